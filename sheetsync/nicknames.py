"""Given names people use for each other: "Bob" is "Robert", "Pepe" is "José".

Keys and values are folded (lower case, no accents). A name listed under two formal names
(e.g. "ale": Alejandro and Alejandra) keeps both, so either can match.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

# formal name: the short forms and nicknames it goes by
_NICKNAMES: dict[str, tuple[str, ...]] = {
    # English
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "william": ("bill", "billy", "will", "willy", "liam"),
    "richard": ("rick", "ricky", "dick", "rich", "richie"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "libby", "betsy", "lisa"),
    "margaret": ("maggie", "meg", "peggy", "marge", "greta"),
    "katherine": ("kate", "katie", "kathy", "kat", "kay", "catherine", "kathryn"),
    "catherine": ("cathy", "cat", "kate", "katie"),
    "james": ("jim", "jimmy", "jamie"),
    "john": ("johnny", "jack", "jon"),
    "jonathan": ("jon", "jonny"),
    "michael": ("mike", "mikey", "mick"),
    "christopher": ("chris", "kit", "topher"),
    "christina": ("chris", "tina", "chrissy"),
    "christine": ("chris", "tina", "chrissy"),
    "joseph": ("joe", "joey"),
    "thomas": ("tom", "tommy"),
    "charles": ("charlie", "chuck", "chas"),
    "daniel": ("dan", "danny"),
    "matthew": ("matt", "matty"),
    "anthony": ("tony",),
    "edward": ("ed", "eddie", "ted", "ned"),
    "benjamin": ("ben", "benny"),
    "samuel": ("sam", "sammy"),
    "samantha": ("sam", "sammy"),
    "alexander": ("alex", "al", "sasha", "xander"),
    "alexandra": ("alex", "sasha", "lexi", "sandra"),
    "andrew": ("andy", "drew"),
    "nicholas": ("nick", "nicky"),
    "stephen": ("steve", "stevie"),
    "steven": ("steve", "stevie"),
    "patrick": ("pat", "paddy"),
    "patricia": ("pat", "patty", "trish", "tricia"),
    "jennifer": ("jen", "jenny"),
    "jessica": ("jess", "jessie"),
    "susan": ("sue", "susie"),
    "deborah": ("deb", "debbie"),
    "rebecca": ("becky", "becca"),
    "victoria": ("vicky", "tori"),
    "abigail": ("abby",),
    "dorothy": ("dot", "dottie"),
    "theodore": ("ted", "teddy", "theo"),
    "timothy": ("tim", "timmy"),
    "gregory": ("greg",),
    "kenneth": ("ken", "kenny"),
    "ronald": ("ron", "ronnie"),
    "donald": ("don", "donnie"),
    "raymond": ("ray",),
    "lawrence": ("larry",),
    "harold": ("harry", "hal"),
    "henry": ("hank", "harry"),
    "frederick": ("fred", "freddie"),
    "peter": ("pete",),
    "douglas": ("doug",),
    "zachary": ("zach", "zack"),
    "nathaniel": ("nate", "nat"),
    "nathan": ("nate",),
    "jacob": ("jake",),
    "joshua": ("josh",),
    "vincent": ("vince", "vinny"),
    "valerie": ("val",),
    "pamela": ("pam",),
    "cynthia": ("cindy",),
    "barbara": ("barb", "babs"),
    "judith": ("judy",),
    "kimberly": ("kim",),
    "melissa": ("mel", "missy"),
    "melanie": ("mel",),
    "jacqueline": ("jackie",),
    "josephine": ("jo", "josie"),
    "walter": ("walt", "wally"),
    "eugene": ("gene",),
    "amanda": ("mandy",),
    "evelyn": ("evie", "eve"),
    "albert": ("al", "bert", "albie"),
    "arthur": ("art", "artie"),
    "francis": ("frank", "fran"),
    "frances": ("fran", "frannie"),
    "leonard": ("leo", "len", "lenny"),
    "louis": ("lou",),
    "louise": ("lou",),
    "geoffrey": ("geoff", "jeff"),
    "jeffrey": ("jeff",),
    "terence": ("terry",),
    "gerald": ("gerry", "jerry"),
    "jerome": ("jerry",),
    "cornelius": ("neil",),
    "eleanor": ("ellie", "nora", "elle"),
    "helen": ("nell", "nellie"),
    "sarah": ("sally", "sadie"),
    "mary": ("molly", "polly", "mae"),
    "ann": ("anna", "annie", "nan"),
    "anne": ("annie", "nan"),
    "caroline": ("carrie", "carol"),
    "virginia": ("ginny", "ginger"),
    "florence": ("flo",),
    "lucille": ("lucy",),
    "gabrielle": ("gabby", "gabi"),
    # Spanish and Portuguese
    "jose": ("pepe", "chepe"),
    "francisco": ("paco", "pancho", "frank", "kiko", "chico"),
    "guadalupe": ("lupe", "lupita"),
    "antonio": ("tony", "tono", "toni"),
    "alejandro": ("ale", "alex", "jandro"),
    "alejandra": ("ale", "alex", "sandra"),
    "enrique": ("quique", "kike", "henry"),
    "ignacio": ("nacho",),
    "manuel": ("manolo", "manny", "manu"),
    "jesus": ("chucho", "chuy"),
    "rosario": ("chayo", "charo"),
    "dolores": ("lola",),
    "concepcion": ("concha", "conchita"),
    "consuelo": ("chelo",),
    "eduardo": ("lalo", "edu"),
    "guillermo": ("memo", "guille"),
    "roberto": ("beto", "rober", "bob"),
    "alberto": ("beto",),
    "rodrigo": ("rodri",),
    "fernando": ("nando", "fer"),
    "fernanda": ("fer",),
    "gerardo": ("jerry", "gera"),
    "rafael": ("rafa",),
    "ricardo": ("ricky", "richi", "rico"),
    "gabriela": ("gaby", "gabi"),
    "lucia": ("lucy", "luci"),
    "josefina": ("chepa", "fina", "josie"),
    "esperanza": ("espe",),
    "carlos": ("carlitos", "charlie"),
    "javier": ("javi",),
    "santiago": ("santi", "chago"),
    "sebastian": ("sebas", "seba"),
    "natalia": ("nati", "naty"),
    "veronica": ("vero", "ronnie"),
    "luis": ("lucho", "wicho"),
    "maria": ("mari", "mary"),
    "marie": ("mari",),
    "mercedes": ("meche", "merche"),
    "isabel": ("isa", "chabela", "bella"),
    "beatriz": ("bea", "betty"),
    "teresa": ("tere", "terry"),
    "cristina": ("cris", "tina"),
    "margarita": ("margo", "rita"),
    "joao": ("jo",),
    # Other languages common in the networks this was written for
    "mohammed": ("mohamed", "muhammad", "mohammad", "mo", "hamid"),
    "abdullah": ("abdul",),
    "emmanuel": ("manny", "manno", "manu"),
    "ibrahim": ("ibra",),
    "yusuf": ("joseph", "youssef", "yousef"),
    "fatima": ("fatma", "fati"),
    "aleksandr": ("sasha", "alex", "sanya"),
    "dmitri": ("dima",),
    "ekaterina": ("katya", "katia", "kate"),
}

_GROUPS: dict[str, set[str]] = {}
for _formal, _short in _NICKNAMES.items():
    for _name in (_formal, *_short):
        _GROUPS.setdefault(_name, set()).add(_formal)


def formal_names(given: str) -> frozenset[str]:
    """The formal names a folded given name may stand for, the name itself included."""
    return frozenset(_GROUPS.get(given, set()) | {given})


# Only formal names are looked up: short nicknames sit too close together ("margo", "mario").
_FORMAL = sorted(_NICKNAMES)


@lru_cache(maxsize=50_000)
def near_formal_names(given: str) -> frozenset[str]:
    """Formal names of the listed name a misspelt given name is closest to: "robrt" ->
    {"robert"}, so that "Robrt" and "Bobby" can still be the same person. Empty unless one
    letter added, dropped, changed or two swapped inside the name make it a listed name
    ("Jasmine" is not a typo of "James", nor "Mario" of "Maria")."""
    if given in _GROUPS:
        return formal_names(given)
    if len(given) < 5:
        return frozenset()
    best = process.extractOne(given, _FORMAL, scorer=OSA.distance, score_cutoff=1)
    if best is None:
        return frozenset()
    # Not when only the end differs: "Mario" is Maria's brother, not a typo of her name.
    name = best[0]
    if name[:-1] == given[:-1] or name.startswith(given) or given.startswith(name):
        return frozenset()
    return formal_names(name)
