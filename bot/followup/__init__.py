"""The opt-in follow-up: four weeks after the results, one message asks whether the person claimed the
aids they were shown ("1 oui, 2 pas encore, 3 refusé, 4 besoin d'aide"); the answer goes to anonymous
counters (bot.stats.events).

    store.after_turn(...)        # inside a turn's transaction: schedule on yes, cancel on no
    FollowUps(...).run_due()     # a worker's loop: claim due rows, write the message, send it once

See docs/followup.md.
"""
