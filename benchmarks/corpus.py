"""Fictional clinical-style filler text for the benchmark practice: varied, seeded, ~1.5 KB a note.

Sentences come from templates with slots, plus invented words (made-up places and people) so the
full-text index has a realistic long tail of rare terms, not a few hundred repeated words. None of
it describes a real person; names are invented from syllables.
"""

from __future__ import annotations

import random

from therapist_desk.domain.enums import NOTE_SECTIONS, NoteFormat, ServiceType

_SYLLABLES = (
    "bra", "wen", "tor", "vel", "mis", "kan", "dor", "lin", "qua", "zel", "fen", "ost", "rin",
    "pel", "thar", "mo", "sky", "gar", "wick", "ley", "by", "ham", "ton", "ridge", "mere", "dale",
)
FEELINGS = (
    "anxious", "worried", "tense", "low", "flat", "irritable", "hopeful", "calmer", "overwhelmed",
    "restless", "discouraged", "relieved", "ashamed", "guilty", "lonely", "frustrated", "numb",
    "sad", "tearful", "content", "motivated", "exhausted", "on edge", "steady", "uncertain",
)
PEOPLE = (
    "partner", "mother", "father", "sister", "brother", "roommate", "manager", "coworker",
    "best friend", "teenage son", "daughter", "neighbor", "landlord", "grandmother", "ex-partner",
    "supervisor", "teacher", "coach", "in-laws", "new colleague",
)
SITUATIONS = (
    "a performance review at work", "a family gathering over the weekend", "a missed deadline",
    "an argument about household chores", "a long commute in heavy traffic", "a medical appointment",
    "a difficult phone call", "a job interview", "moving apartments", "a friend's wedding",
    "a late-night shift", "the anniversary of a loss", "a conflict in a group chat",
    "returning to the gym", "a presentation in front of the team", "a visit from relatives",
    "a delayed flight", "starting a new class", "a budget conversation", "a school meeting",
)
SYMPTOMS = (
    "trouble falling asleep", "early morning waking", "racing thoughts", "muscle tension",
    "poor appetite", "low energy", "difficulty concentrating", "irritability", "panic symptoms",
    "avoidance of crowded places", "intrusive memories", "nightmares", "rumination", "fatigue",
    "loss of interest in hobbies", "restlessness", "headaches", "social withdrawal",
    "excessive checking", "procrastination",
)
SKILLS = (
    "diaphragmatic breathing", "the thought record", "behavioral activation scheduling",
    "grounding with the five senses", "progressive muscle relaxation", "the worry postponement window",
    "opposite action", "cognitive defusion", "values-based goal setting", "assertive communication",
    "sleep hygiene routine", "paced breathing", "the distress tolerance plan", "self-compassion break",
    "problem-solving worksheet", "exposure hierarchy", "urge surfing", "mindful walking",
)
ACTIVITIES = (
    "walking the dog", "cooking dinner with a friend", "journaling", "a pottery class",
    "calling an old friend", "gardening", "reading before bed", "a short run", "volunteering",
    "playing guitar", "a swim at the community pool", "visiting the library", "a board game night",
)
AFFECTS = ("euthymic", "anxious", "constricted", "dysphoric", "bright", "tearful at times",
           "irritable", "congruent with content", "mildly restricted", "full range")
APPEARANCE = ("casually dressed and well groomed", "tired-appearing", "neatly dressed",
              "dressed for work", "wearing a hoodie, hair unbrushed", "appropriately dressed")
TIMES = ("this week", "since the last session", "over the weekend", "in the past two weeks",
         "most evenings", "on three days", "at work", "at home")

SUBJECTIVE = (
    "Client reports feeling {feeling} {time}, linked to {situation}.",
    "Client describes {symptom} and {symptom2} {time}.",
    "Client states that {person} has been more supportive, which helped with {situation}.",
    "Client reports using {skill} on {n} occasions {time} with partial benefit.",
    "Client notes {symptom} increased before {situation} and eased afterwards.",
    "Client shared that a conversation with {person} about {situation} left them feeling {feeling}.",
    "Client reports returning to {activity} and feeling {feeling} afterwards.",
    "Client rates mood {n}/10 {time}, compared with {m}/10 at the previous session.",
    "Client mentions a trip to {place} planned with {person}, which they anticipate with mixed feelings.",
    "Client describes worry about {situation} and spending evenings replaying the conversation.",
    "Client reports {symptom} on most days and skipping {activity}.",
    "Client says that {person} {name} noticed they seemed {feeling} lately.",
)
OBJECTIVE = (
    "Client arrived on time, {appearance}; affect {affect}; speech normal in rate and volume.",
    "Alert and oriented; thought process linear and goal-directed; affect {affect}.",
    "Good eye contact; psychomotor activity within normal limits; insight and judgment fair.",
    "Client appeared {feeling} early in session and more settled by the end.",
    "No evidence of psychosis; thought content focused on {situation}.",
    "Client was engaged, completed the check-in form and reviewed the homework log.",
)
ASSESSMENT = (
    "Symptoms of {symptom} are gradually decreasing; client is engaged and using skills.",
    "Progress is slow but steady; avoidance of {situation} remains the main barrier.",
    "Mood appears stable; anxiety spikes with {situation}.",
    "Client is making use of {skill}; {symptom} continues to interfere with daily functioning.",
    "Presentation is consistent with the working diagnosis; current treatment remains appropriate.",
    "Gains are consolidating; client identified early warning signs of relapse.",
    "Stressors related to {person} are contributing to {symptom}.",
)
PLAN = (
    "Continue weekly sessions; review the thought record next time.",
    "Practice {skill} daily and log the results; revisit the exposure hierarchy.",
    "Schedule {activity} twice this week; repeat the PHQ-9 in four weeks.",
    "Keep the sleep diary; discuss {situation} further at the next session.",
    "Client will try {skill} before {situation}; review outcome next week.",
    "Coordinate with the primary care provider as authorized; continue the current plan.",
)
INTERVENTION = (
    "Cognitive restructuring of catastrophic predictions about {situation}.",
    "Behavioral activation planning, including {activity}.",
    "Taught and rehearsed {skill} in session.",
    "Psychoeducation on the cycle of {symptom} and avoidance.",
    "Motivational interviewing around change talk regarding {activity}.",
    "Role-played an assertive conversation with the client's {person}.",
    "Reviewed the safety plan and coping card.",
)
RESPONSE = (
    "Client engaged well and practiced the skill in session.",
    "Client was receptive and identified one situation to try {skill}.",
    "Client was ambivalent but agreed to try the homework.",
    "Client reported relief after naming the feelings about {situation}.",
    "Client asked thoughtful questions and took notes on {skill}.",
)
RISK = (
    "Denies suicidal or homicidal ideation, intent or plan. No change in risk.",
    "No safety concerns raised; denies SI/HI. Protective factors: {person}, work, future plans.",
    "Screened for risk: denies SI/HI, no self-harm since the last session.",
)
HOMEWORK = (
    "Thought record, three entries", "Two pleasant activities: {activity}", "Practice {skill} daily",
    "Sleep diary for one week", "Write a letter (not to send) to {person}", "",
)
_POOLS: dict[str, tuple[str, ...]] = {
    "feeling": FEELINGS, "time": TIMES, "situation": SITUATIONS, "symptom": SYMPTOMS,
    "symptom2": SYMPTOMS, "person": PEOPLE, "skill": SKILLS, "activity": ACTIVITIES,
    "affect": AFFECTS, "appearance": APPEARANCE,
}
ADDENDUM = (
    "Client called the next day to add that {symptom} had improved after the session.",
    "Correction: the session start time was entered late; billing unaffected.",
    "Client emailed to report using {skill} before {situation}, with good effect.",
)


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).capitalize()


_VOCABULARY: list[tuple[tuple[str, ...], tuple[str, ...]]] = []


def _vocabulary() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Invented names and places (fixed seed): the rare-term tail of the search index."""
    if not _VOCABULARY:
        rng = random.Random(7)
        _VOCABULARY.append((tuple(_word(rng, 2) + _word(rng, 1).lower() for _ in range(4000)),
                            tuple(_word(rng, 3) for _ in range(3000))))
    return _VOCABULARY[0]


class _Slots(dict[str, object]):
    """Draws only the slots a template uses (format_map asks for each by name)."""

    def __init__(self, corpus: Corpus) -> None:
        super().__init__()
        self.corpus = corpus

    def __missing__(self, name: str) -> object:
        choice = self.corpus.rng.choice
        pool = _POOLS.get(name)
        if pool is not None:
            return choice(pool)
        if name in ("n", "m"):
            return self.corpus.rng.randint(1, 9)
        return choice(self.corpus.places if name == "place" else self.corpus.names)


class Corpus:
    """Deterministic text for one note (or client field) from a seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names, self.places = _vocabulary()

    def fill(self, template: str) -> str:
        return template.format_map(_Slots(self))

    def paragraph(self, templates: tuple[str, ...], count: int) -> str:
        return " ".join(self.fill(self.rng.choice(templates)) for _ in range(count))

    def sections(self, fmt: NoteFormat, kind: ServiceType) -> tuple[tuple[str, str], ...]:
        """Section texts of one note, ~0.8 KB in all whatever the format (the body is ~1.5 KB)."""
        per = {NoteFormat.SOAP: 4, NoteFormat.DAP: 3, NoteFormat.BIRP: 4, NoteFormat.GIRP: 4,
               NoteFormat.FREE: 1}[fmt]
        sentences = max(2, 9 // per)
        pools = {
            "Subjective": SUBJECTIVE, "Data": SUBJECTIVE + OBJECTIVE, "Behavior": SUBJECTIVE,
            "Objective": OBJECTIVE, "Assessment": ASSESSMENT, "Plan": PLAN, "Goal": ASSESSMENT,
            "Intervention": INTERVENTION, "Response": RESPONSE,
            "Note": SUBJECTIVE + OBJECTIVE + ASSESSMENT + PLAN,
        }
        out = []
        for name in NOTE_SECTIONS[fmt]:
            text = self.paragraph(pools[name], sentences)
            if kind is ServiceType.INTAKE and name in ("Subjective", "Data", "Behavior", "Note"):
                text = "Intake: client describes the presenting concerns, history and goals. " + text
            out.append((name, text))
        return tuple(out)

    def one(self, templates: tuple[str, ...]) -> str:
        return self.fill(self.rng.choice(templates))
