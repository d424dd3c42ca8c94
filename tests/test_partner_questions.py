"""The questions the law's formulas need beyond the household's totals: asked only when they change an outcome."""

from bot.rules.screen import screen


def shown_aid(talk, aid_id):
    """The aid as the results show it (the typed payload every channel renders), or None."""
    return next((item for r in talk.replies if r.kind in ("results", "aid") for item in r.aids if item.id == aid_id),
                None)


def test_a_couple_where_only_the_partner_works_is_asked_the_partners_earnings(talk):
    talk.say("vérifier tous mes droits")
    asked = []
    answers = {
        "age": "35", "children_ages": "non", "couple": "oui", "partner_age": "36",
        "employment": "je cherche un emploi", "work_income": "1500", "partner_work_income": "il gagne 1500",
        "other_income": "0", "housing": "je loue", "rent": "600", "pregnant": "non", "disability_rate": "0",
        "partner_disability_rate": "0", "quotient_familial": "je ne sais pas", "where": "Bellevue",
    }
    for _ in range(25):
        if talk.state["phase"] != "ask":
            break
        if talk.question == "partner_work_income":
            # before the answer the share is open: the prime d'activité is a range or to check
            before = next(r for r in screen(talk.engine.catalogue, talk.answers, talk.now.date())
                          if r.aid.id == "prime_activite")
            assert before.status == "unknown" or before.amount.value is None
        asked.append(talk.question)
        talk.say(answers[talk.question])
        if talk.state["phase"] == "done" and "partner_work_income" not in asked:
            talk.tap("Vérifier d'autres droits")
    assert "partner_work_income" in asked
    assert talk.answers["partner_work_income"] == 1500
    assert talk.answers["work_income"] == 1500  # the partner's answer did not overwrite the household's
    result = next(r for r in screen(talk.engine.catalogue, talk.answers, talk.now.date())
                  if r.aid.id == "prime_activite")
    assert result.status == "eligible" and result.amount.value is not None
    applicant_works = dict(talk.answers, partner_work_income=0)
    same_total = next(r for r in screen(talk.engine.catalogue, applicant_works, talk.now.date())
                      if r.aid.id == "prime_activite")
    # one earner either way: the same amount, with one worker's bonus, whoever earns it
    assert same_total.amount.value == result.amount.value
    reply = shown_aid(talk, "prime_activite")
    assert reply is not None and f"{result.amount.value:.2f}".replace(".", ",") in reply.line


def test_a_lone_parent_with_a_child_of_5_is_asked_about_a_recent_separation_before_the_rsa_majore(talk):
    talk.say("vérifier tous mes droits")
    answers = {
        "age": "31", "children_ages": "un enfant de 5 ans", "couple": "non", "employment": "je cherche un emploi",
        "work_income": "0", "other_income": "0", "housing": "je loue", "rent": "500", "pregnant": "non",
        "separated_recently": "oui, il est parti il y a 6 mois", "disability_rate": "0",
        "quotient_familial": "je ne sais pas", "where": "Bellevue",
    }
    asked = []
    for _ in range(25):
        if talk.state["phase"] != "ask":
            break
        if talk.question != "separated_recently":
            assert shown_aid(talk, "rsa_majore") is None and shown_aid(talk, "rsa") is None
        asked.append(talk.question)
        talk.say(answers[talk.question])
        if "separated_recently" in asked:
            break
    assert "separated_recently" in asked, asked
    assert talk.answers["separated_recently"] is True
    for _ in range(25):
        if talk.state["phase"] != "ask":
            break
        talk.say(answers[talk.question])
    assert shown_aid(talk, "rsa_majore").status == "eligible"


def test_a_parent_alone_for_years_gets_the_plain_rsa(talk):
    talk.say("vérifier tous mes droits")
    answers = {
        "age": "31", "children_ages": "un enfant de 5 ans", "couple": "non", "employment": "je cherche un emploi",
        "work_income": "0", "other_income": "0", "housing": "je loue", "rent": "500", "pregnant": "non",
        "separated_recently": "non, seule depuis des années", "disability_rate": "0",
        "quotient_familial": "je ne sais pas", "where": "Bellevue",
    }
    talk.answer_until_results(answers)
    assert talk.answers["separated_recently"] is False
    assert shown_aid(talk, "rsa").status == "eligible"
    assert "rsa_majore" not in talk.aids_shown()


def test_a_person_living_alone_without_children_is_never_asked_about_a_separation_or_a_partner(talk):
    talk.say("vérifier tous mes droits")
    answers = {
        "age": "41", "children_ages": "non", "couple": "non", "employment": "je travaille",
        "work_income": "1100", "other_income": "300", "housing": "je loue", "rent": "520", "pregnant": "non",
        "disability_rate": "0", "where": "Malakoff", "quotient_familial": "je ne sais pas",
    }
    talk.answer_until_results(answers)  # an unexpected question fails here
    assert talk.state["phase"] == "done"


def test_a_disability_rate_of_60_is_asked_the_mdph_decision_before_the_aah_is_said(talk):
    talk.say("vérifier tous mes droits")
    answers = {
        "age": "45", "children_ages": "non", "couple": "non", "employment": "aucune", "work_income": "0",
        "other_income": "0", "housing": "je loue", "rent": "450", "pregnant": "non", "disability_rate": "60",
        "rsdae": "oui", "quotient_familial": "je ne sais pas", "where": "Bellevue",
    }
    asked = []
    for _ in range(25):
        if talk.state["phase"] != "ask":
            break
        asked.append(talk.question)
        talk.say(answers[talk.question])
        if talk.state["phase"] == "done" and "rsdae" not in asked:
            talk.tap("Vérifier d'autres droits")
    assert "rsdae" in asked
    assert talk.answers["rsdae"] is True
    aah = next(r for r in screen(talk.engine.catalogue, talk.answers, talk.now.date()) if r.aid.id == "aah")
    assert aah.status == "eligible"
    refused = next(r for r in screen(talk.engine.catalogue, dict(talk.answers, rsdae=False), talk.now.date())
                   if r.aid.id == "aah")
    assert refused.status == "not_eligible"


def test_no_disability_never_asks_about_the_mdph_decision(talk):
    talk.say("vérifier tous mes droits")
    talk.answer_until_results({
        "age": "45", "children_ages": "non", "couple": "non", "employment": "aucune", "work_income": "0",
        "other_income": "0", "housing": "je loue", "rent": "450", "pregnant": "non", "disability_rate": "0",
        "quotient_familial": "je ne sais pas", "where": "Bellevue",
    })
    talk.tap("Vérifier d'autres droits")
    talk.answer_until_results({"quotient_familial": "je ne sais pas", "pregnant": "non", "rent": "450",
                               "disability_rate": "0", "housing": "je loue", "employment": "aucune"})
    assert "rsdae" not in talk.answers
