# Generates src/store/countries.tsv (code, French, English, Arabic names) from pycountry: pip install pycountry && python3 scripts/gen_countries.py
import gettext
import pathlib
import pycountry

tr = {l: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[l]).gettext for l in ("fr", "ar")}
# Common short names where the iso-codes catalogs give ISO "Name, qualifier" forms, lack a translation, or are wrong.
OVERRIDES = {  # code: (fr, en, ar); None keeps the catalog value
    "AX": ("Îles Åland", None, None),
    "BN": ("Brunei", "Brunei", "بروناي"),
    "CC": ("Îles Cocos (Keeling)", None, None),
    "CD": (None, "Democratic Republic of the Congo", "جمهورية الكونغو الديمقراطية"),
    "CG": (None, "Republic of the Congo", "جمهورية الكونغو"),
    "CI": (None, None, "كوت ديفوار"),
    "CX": ("Île Christmas", None, None),
    "FK": ("Îles Malouines", "Falkland Islands", "جزر فوكلاند"),
    "FM": ("Micronésie", "Micronesia", "ميكرونيزيا"),
    "GL": ("Groenland", None, None),
    "GQ": ("Guinée équatoriale", None, None),
    "IR": (None, None, "إيران"),
    "KP": (None, None, "كوريا الشمالية"),
    "KR": (None, None, "كوريا الجنوبية"),
    "LA": (None, None, "لاوس"),
    "MD": (None, None, "مولدوفا"),
    "PS": ("Palestine", "Palestine", "فلسطين"),
    "RE": ("La Réunion", None, None),
    "RU": ("Russie", "Russia", "روسيا"),
    "SB": ("Îles Salomon", None, None),
    "SY": (None, None, "سوريا"),
    "TR": (None, None, "تركيا"),
    "VA": ("Vatican", "Vatican City", "الفاتيكان"),
    "VE": ("Venezuela", None, None),
    "VG": (None, "British Virgin Islands", "جزر العذراء البريطانية"),
    "VI": ("Îles Vierges des États-Unis", "U.S. Virgin Islands", "جزر العذراء الأمريكية"),
}
out = pathlib.Path(__file__).resolve().parent.parent / "src" / "store" / "countries.tsv"
lines = []
for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
    en = getattr(c, "common_name", None) or c.name
    names = [tr["fr"](en), en, tr["ar"](en)]
    names = [o or n for o, n in zip(OVERRIDES.get(c.alpha_2, (None,) * 3), names)]
    names = [" ".join(n.split()) for n in names]
    assert all(names), c.alpha_2
    lines.append("\t".join([c.alpha_2] + names))
assert len(lines) == 249 and len({l[:2] for l in lines}) == 249
out.write_text("\n".join(lines) + "\n", encoding="utf-8")
print(f"wrote {len(lines)} lines to {out}")
