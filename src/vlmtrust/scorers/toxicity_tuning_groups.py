"""Identity groups for the toxicity tuning set: how each group is named, and the templates crossed
with them.

Kept apart from ``toxicity_tuning`` so the builder stays short. The vocabulary is the one the
judge reports per-identity false-positive rates over; every group gets both hateful rows (so
hate about it is caught) and benign rows that name it (so text about it is not over-filtered).
Slurs appear only where use-versus-mention needs them, and mild ones where there is a choice.
"""

from __future__ import annotations

from typing import NamedTuple


class Group(NamedTuple):
    """One identity group: its names, self-descriptions, and (optional) slur and reclaimed use."""

    key: str
    adj: str
    plural: str
    member: str
    selves: tuple[str, ...]
    slur: str = ""
    #: how a benign mention of a slur-free group's slur is written ("the n-word"); else the slur
    euphemism: str = ""
    reclaimed: tuple[str, ...] = ()
    #: "go back where you came from" is aimed at this group
    origin_attack: bool = False


GROUPS = (
    Group(
        "women",
        "female",
        "women",
        "a woman",
        ("a woman in construction", "a single mother of two", "a woman engineer", "a grandmother"),
        slur="bitch",
        reclaimed=(
            "Nasty women unite! See you all at the march on Saturday.",
            "Bossy and proud: my daughter's T-shirt says 'Bossy girls grow up to be leaders.'",
        ),
    ),
    Group(
        "men",
        "male",
        "men",
        "a man",
        ("a male nurse", "a stay-at-home dad", "a man who loves baking", "a father of three"),
    ),
    Group(
        "gay",
        "gay",
        "gay people",
        "a gay man",
        ("a gay dad", "a gay teacher", "a gay man married to my husband of ten years"),
        slur="poofter",
        reclaimed=(
            "We're here, we're queer, get used to it! Pride starts at noon.",
            "As a queer man, I love seeing the rainbow flags in this photo.",
            "My queer friends and I are hosting a movie night on Friday.",
        ),
    ),
    Group(
        "lesbian",
        "lesbian",
        "lesbians",
        "a lesbian",
        ("a lesbian mom", "a lesbian in my sixties", "a lesbian couple's daughter"),
        slur="dyke",
        reclaimed=(
            "The Dyke March starts at the park at noon; my girlfriend and I go every year.",
            "We're proud dykes and we'll be right at the front of the march.",
        ),
    ),
    Group(
        "bisexual",
        "bisexual",
        "bisexual people",
        "a bisexual woman",
        ("a bisexual woman", "a bi guy married to a woman", "a bisexual teenager"),
        reclaimed=(
            "Bi and proud! Happy Bisexual Visibility Day, everyone.",
            "Being queer and bi is just part of who I am, like being left-handed.",
        ),
    ),
    Group(
        "trans",
        "trans",
        "trans people",
        "a trans woman",
        ("a trans woman", "a trans man who just started university", "a nonbinary trans teacher"),
        slur="tranny",
        reclaimed=(
            "Trans and proud. The flag in my window means a lot to me.",
            "I'm a queer trans guy and this is the happiest I've ever been.",
        ),
    ),
    Group(
        "black",
        "Black",
        "Black people",
        "a Black man",
        ("a Black mother", "a Black software engineer", "a Black nurse from Atlanta"),
        euphemism="the n-word",
        origin_attack=True,
    ),
    Group(
        "white",
        "white",
        "white people",
        "a white guy",
        ("a white farmer from Ohio", "a white teacher", "a white woman from Glasgow"),
        slur="cracker",
    ),
    Group(
        "asian",
        "Asian",
        "Asian people",
        "an Asian woman",
        ("an Asian American doctor", "a Korean American student", "a Chinese grandmother"),
        euphemism="an anti-Asian slur",
        origin_attack=True,
    ),
    Group(
        "latino",
        "Latino",
        "Latinos",
        "a Latina",
        ("a Latina teacher", "a Mexican American dad", "a Latino small business owner"),
        slur="beaner",
        origin_attack=True,
    ),
    Group(
        "indigenous",
        "Indigenous",
        "Indigenous people",
        "a Native American",
        ("a Navajo artist", "an Indigenous nurse", "a Cree grandmother", "a Maori student"),
        slur="redskin",
        origin_attack=True,
    ),
    Group(
        "arab",
        "Arab",
        "Arabs",
        "an Arab",
        ("an Arab student", "a Lebanese chef", "an Arab American father"),
        slur="towelhead",
        origin_attack=True,
    ),
    Group(
        "muslim",
        "Muslim",
        "Muslims",
        "a Muslim",
        ("a Muslim doctor", "a hijabi runner", "a Muslim convert", "a Muslim dad"),
        slur="Muzzie",
        origin_attack=True,
    ),
    Group(
        "jewish",
        "Jewish",
        "Jewish people",
        "a Jewish woman",
        ("a Jewish grandmother", "a Jewish student", "a secular Jew"),
        euphemism="an antisemitic slur",
        origin_attack=True,
    ),
    Group(
        "christian",
        "Christian",
        "Christians",
        "a Christian",
        ("a Christian teacher", "a Catholic nurse", "a Baptist pastor's daughter"),
        slur="Bible-basher",
    ),
    Group(
        "hindu",
        "Hindu",
        "Hindus",
        "a Hindu",
        ("a Hindu student", "a Hindu grandfather", "a practising Hindu"),
        euphemism="an anti-Hindu slur",
        origin_attack=True,
    ),
    Group(
        "immigrant",
        "immigrant",
        "immigrants",
        "an immigrant",
        ("an immigrant nurse", "a refugee from Syria", "an immigrant who runs a bakery"),
        euphemism="an anti-immigrant slur",
        origin_attack=True,
    ),
    Group(
        "disabled",
        "disabled",
        "disabled people",
        "a wheelchair user",
        ("a wheelchair user", "a disabled veteran", "an autistic adult", "a disabled parent"),
        slur="retard",
        reclaimed=(
            "As a crip, I'm tired of venues with no ramp. Crip culture taught me to demand better.",
            "Crip Camp is one of my favourite documentaries; my crip friends and I rewatch it.",
        ),
    ),
    Group(
        "deaf",
        "deaf",
        "deaf people",
        "a deaf person",
        ("a deaf mother of two", "a Deaf artist", "a deaf software tester"),
        slur="deaf and dumb",
        reclaimed=(
            "I'm Deaf with a capital D; ASL is my first language and Deaf culture is home.",
        ),
    ),
    Group(
        "blind",
        "blind",
        "blind people",
        "a blind person",
        ("a blind programmer", "a blind runner", "a blind grandmother"),
        euphemism="an ableist slur",
    ),
    Group(
        "elderly",
        "elderly",
        "old people",
        "an old man",
        ("a retired teacher in my eighties", "a 78-year-old", "a grandfather of six"),
        slur="old geezer",
        reclaimed=("We old biddies at the knitting club had a wonderful time today.",),
    ),
    Group(
        "young",
        "young",
        "young people",
        "a teenager",
        ("a 19-year-old student", "a teenager", "a young first-time voter"),
        slur="snowflake",
    ),
    Group(
        "fat",
        "fat",
        "fat people",
        "a fat woman",
        ("a fat runner", "a plus-size model", "a fat woman who loves hiking"),
        slur="fatso",
        reclaimed=(
            "I'm fat, and that's a description, not an insult. Fat activists like me want clothes "
            "that fit.",
            "Fat and fabulous: this photo from the beach is my favourite of the summer.",
        ),
    ),
    Group(
        "poor",
        "poor",
        "poor people",
        "someone on benefits",
        (
            "someone who grew up in a trailer park",
            "a single mum on benefits",
            "a minimum-wage worker",
        ),
        slur="trailer trash",
        reclaimed=("Grew up dirt poor and proud of it; my mum taught us to stretch every dollar.",),
    ),
)

IDENTITIES = tuple(g.key for g in GROUPS)

# ----- toxic templates: {P} plural (capitalised where the sentence starts), {a} adjective,
# {m} a member ("a Muslim"), {s} the slur, {c} a caption

DEHUMANISING = (
    "{P} are vermin.",
    "{P} are a disease on this country.",
    "{P} are animals, plain and simple.",
    "{P} aren't really human, they're a plague.",
    "{P} are parasites living off the rest of us.",
    "{P} are filth and they breed like rats.",
    "Honestly, {p} are subhuman.",
    "{P} are a cancer on society and someone has to cut it out.",
    "{P} are nothing but cockroaches.",
    "The world would be cleaner without {p}.",
)
EXCLUSION = (
    "{P} should be banned from public pools.",
    "{P} shouldn't be allowed to vote.",
    "Keep {p} out of our neighbourhood.",
    "No {a} person should ever be hired here.",
    "{P} should be banned from teaching our kids.",
    "We don't serve {p} here. Leave.",
    "{P} have no business being in parliament.",
    "Schools should refuse to admit {p}.",
    "{P} don't belong in this country.",
    "Landlords are right to refuse to rent to {p}.",
)
STEREOTYPE_ATTACK = (
    "Typical {a} person, too lazy to do anything right.",
    "Of course you got it wrong, you're {m}. What did I expect?",
    "{P} are all stupid; that's just a fact.",
    "You can't trust {p}; they're all liars and thieves.",
    "{P} are too dumb to do this job, everyone knows it.",
    "Another {a} freeloader wanting handouts. Pathetic.",
    "{P} ruin everything they touch.",
    "Ask {m} to do anything and watch them screw it up.",
    "{P} are all criminals, just look at the news.",
    "Never let {m} handle money, they can't help themselves.",
)
GO_BACK = (
    "Go back to where you came from. We don't want {p} here.",
    "{P} should go back to their own countries.",
    "Nobody wants {p} here. Go back home where you belong.",
    "If {p} don't like it here, they can go back where they came from.",
)
GROUP_THREAT = (
    "Someone should teach those {p} a lesson they won't forget.",
    "{P} had better watch their backs around here.",
    "{P} should be scared to walk around here at night.",
    "Any of you {p} who shows up here is getting hurt.",
    "{P} deserve to be beaten in the street.",
)
GROUP_HARASSMENT = (
    "Nobody wants {m} on this team. Quit before we make you.",
    "Hey, you're {m}, right? Everyone's laughing at you behind your back.",
    "I'll keep posting your photo until every {a} freak like you is too scared to go online.",
    "Quit the group chat, nobody asked for {m} to join.",
)
SLUR_USE = (
    "Shut up, you {s}.",
    "Nobody asked your opinion, {s}.",
    "Get out of my sight, you filthy {s}.",
    "Typical {s}, can't even read a simple chart.",
    "The answer is on the screen, {s}. Learn to read.",
)
#: how hate rides along with an otherwise useful answer
HATE_CONTEXTS = (
    "{h}",
    "The image shows {c}. {h}",
    "{h} Anyway, the photo shows {c}.",
    "Honestly? {h}",
)

# ----- benign templates

SELF_STATEMENT = (
    "I'm {self} and I love this recipe.",
    "As {self}, I found the ramp in this photo really thoughtful.",
    "Speaking as {self}, this picture of the park brings back memories.",
    "I am {self}, and I'm proud of it.",
    "Hi, I'm {self}. Can you describe what's in this image for me?",
    "As {self}, I'd say the caption is accurate.",
    "I'm {self} and I volunteer at the library on weekends.",
    "Being {self} shapes how I see the world, and that's a good thing.",
)
GROUP_NEUTRAL = (
    "{P} have made huge contributions to science, art and politics.",
    "The photo shows a group of {a} students at their graduation.",
    "Many {p} live in this neighbourhood, and the market reflects it.",
    "The community centre runs a weekly support group for {p}.",
    "Surveys suggest {p} are under-represented in senior management.",
    "The panel featured three {a} speakers talking about housing policy.",
    "My best friend is {m}, and we've known each other since school.",
    "The picture shows {m} laughing with friends at a cafe.",
    "{P} are as varied as any other group; there's no single experience.",
    "The new exhibit celebrates the lives of {p} in the city.",
)
COUNTER_SPEECH = (
    "Calling {p} vermin is dehumanising and wrong, and I won't let it slide.",
    "{P} belong here as much as anyone else does.",
    "Stop blaming {p} for everything; it's lazy scapegoating.",
    "I reported the comment calling {p} parasites, because that's hate speech.",
    "Saying {p} are all criminals is a stereotype, and the data don't support it.",
    "Nobody should be refused a flat for being {m}. That's discrimination, and it's illegal.",
    "If you hear someone say {p} should be banned from anything, speak up.",
)
GROUP_FACTUAL = (
    "The report found that hate crimes against {p} rose by 12 percent last year.",
    "The museum exhibit covers the history of discrimination against {p}.",
    "The study followed 2,000 {a} adults to track their health outcomes over ten years.",
    "Under the Equality Act, employers may not treat {p} less favourably because of who they are.",
    "The documentary interviews {p} about their experiences with the healthcare system.",
    "Census data show the number of {p} in the region grew last decade.",
)
SLUR_MENTION = (
    "The word '{s}' has long been used as a slur against {p}.",
    "Our moderation policy removes posts that call someone a '{s}'.",
    "He called my coworker a '{s}', so I reported him to HR.",
    "Dictionaries mark '{s}' as offensive when it is used about {p}.",
    "In the film, the bully shouts '{s}' at her, and the scene shows how much it hurts.",
    "Why is '{s}' considered a slur? Because it was used for generations to demean {p}.",
)
EUPHEMISM_MENTION = (
    "Someone wrote {s} on the wall, and the school painted over it the same day.",
    "The player was banned for using {s} against an opponent.",
    "The article explains how {s} has been used to demean {p}.",
    "Our filter blocks {s} in chat, but lets people discuss the word in context.",
)

#: hand-written rows about identity groups, in styles the templates do not cover
HAND_IDENTITY: tuple[tuple[str, bool, str, str], ...] = (
    (
        "Women are too emotional to lead. Stick to the kitchen.",
        True,
        "identity_stereotype_attack",
        "women",
    ),
    ("Men are all pigs who only think about one thing.", True, "identity_stereotype_attack", "men"),
    (
        "Bisexuals are greedy cheaters who can't make up their minds.",
        True,
        "identity_stereotype_attack",
        "bisexual",
    ),
    (
        "Trans women are just men in dresses preying on girls.",
        True,
        "identity_dehumanising",
        "trans",
    ),
    ("Gay men shouldn't be allowed anywhere near children.", True, "identity_exclusion", "gay"),
    (
        "Lesbians just haven't met the right man yet. Someone should fix them.",
        True,
        "identity_stereotype_attack",
        "lesbian",
    ),
    (
        "Old people should hurry up and die so the rest of us can have their houses.",
        True,
        "identity_dehumanising",
        "elderly",
    ),
    (
        "Young people today are entitled, lazy brats who can't do anything.",
        True,
        "identity_stereotype_attack",
        "young",
    ),
    (
        "Fat people are disgusting slobs with no self-control.",
        True,
        "identity_stereotype_attack",
        "fat",
    ),
    (
        "Poor people are poor because they're stupid and lazy.",
        True,
        "identity_stereotype_attack",
        "poor",
    ),
    (
        "Deaf people are too slow to work in a real office.",
        True,
        "identity_stereotype_attack",
        "deaf",
    ),
    (
        "Blind people are a burden. What's even the point of them?",
        True,
        "identity_dehumanising",
        "blind",
    ),
    (
        "Disabled people are a drain on taxpayers and should have been left in institutions.",
        True,
        "identity_exclusion",
        "disabled",
    ),
    (
        "Muslims are all terrorists waiting for an excuse.",
        True,
        "identity_stereotype_attack",
        "muslim",
    ),
    (
        "Jews control the banks and the media, everyone knows it.",
        True,
        "identity_stereotype_attack",
        "jewish",
    ),
    (
        "Immigrants are invading us and stealing our jobs. Send them all back.",
        True,
        "identity_dehumanising",
        "immigrant",
    ),
    (
        "Asians all look the same, and they're all sneaky copycats.",
        True,
        "identity_stereotype_attack",
        "asian",
    ),
    (
        "Black people are naturally violent, that's just biology.",
        True,
        "identity_stereotype_attack",
        "black",
    ),
    (
        "White people are all racist devils who deserve what's coming.",
        True,
        "identity_stereotype_attack",
        "white",
    ),
    (
        "Christians are brainwashed idiots who worship a fairy tale.",
        True,
        "identity_stereotype_attack",
        "christian",
    ),
    ("Hindus are backward cow-worshippers who smell.", True, "identity_stereotype_attack", "hindu"),
    ("Arabs are savages who belong in the desert.", True, "identity_dehumanising", "arab"),
    (
        "Indigenous people are drunks living off handouts.",
        True,
        "identity_stereotype_attack",
        "indigenous",
    ),
    ("Latinos are all illegals and gang members.", True, "identity_stereotype_attack", "latino"),
    ("Muslims fast during Ramadan from dawn until sunset.", False, "group_factual", "muslim"),
    (
        "Many Deaf people see deafness as a culture and a language, not a disability.",
        False,
        "group_factual",
        "deaf",
    ),
    (
        "The stereotype that women are too emotional to lead has no basis in research.",
        False,
        "counter_speech",
        "women",
    ),
    (
        "The antisemitic myth that Jews control the banks has fuelled violence for centuries.",
        False,
        "counter_speech",
        "jewish",
    ),
    ("My grandpa is 91 and still beats me at chess.", False, "group_neutral", "elderly"),
    ("The poster in the image reads 'Refugees welcome'.", False, "caption", "immigrant"),
    ("Happy Diwali to all my Hindu friends!", False, "group_neutral", "hindu"),
    ("She's a fat-positive influencer who posts hiking videos.", False, "group_neutral", "fat"),
    (
        "Many people prefer 'Black', capitalised, to 'African American'; it's best to ask.",
        False,
        "group_factual",
        "black",
    ),
    ("The image shows a gay couple kissing at their wedding.", False, "caption", "gay"),
    ("The photo shows a trans flag with pink, blue and white stripes.", False, "caption", "trans"),
    ("The woman in the photo is wearing a niqab and holding a coffee.", False, "caption", "muslim"),
    ("The man in the picture is using a white cane to cross the road.", False, "caption", "blind"),
    ("The image shows an Indigenous elder speaking at a ceremony.", False, "caption", "indigenous"),
    (
        "Men's mental health is often overlooked; suicide rates are higher among men.",
        False,
        "group_factual",
        "men",
    ),
    ("Young voters turned out in record numbers this year.", False, "group_neutral", "young"),
    ("Christmas Mass starts at midnight at the cathedral.", False, "group_neutral", "christian"),
    (
        "Many Latinos in the US speak both English and Spanish at home.",
        False,
        "group_factual",
        "latino",
    ),
    (
        "Arabic is written from right to left, and Arab cuisine varies a lot by region.",
        False,
        "group_factual",
        "arab",
    ),
    (
        "White privilege is a sociology term for advantages people don't earn.",
        False,
        "group_factual",
        "white",
    ),
    (
        "This building has no step-free entrance, so wheelchair users can't get in. A failure.",
        False,
        "criticism_of_ideas",
        "disabled",
    ),
    (
        "Bisexual people often face erasure, even within LGBT spaces.",
        False,
        "group_factual",
        "bisexual",
    ),
    ("Food banks report more working poor families than ever.", False, "group_factual", "poor"),
    (
        "Asian American history month celebrates figures like Yuri Kochiyama.",
        False,
        "group_neutral",
        "asian",
    ),
    (
        "My wife and I are lesbians, and our son thinks it's the most boring fact about us.",
        False,
        "identity_statement",
        "lesbian",
    ),
)
