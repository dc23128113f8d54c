"""The intake before a ketamine or esketamine course: the treatment-resistance count and the
contraindication and caution screen (sources in docs/clinical.md, "Intake").

Pure: the API stores the trials and answers and asks these functions what they mean, so the
count and the block have one definition each, tested against fixtures computed by hand.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

#: How a trial ended. "partial" is some improvement short of a response (a fall of less than
#: 50 %): a non-response in the definition below.
TRIAL_OUTCOMES = ("response", "partial", "none", "not_tolerated")
NON_RESPONSE = ("partial", "none")
#: An adequate trial lasts at least this long at an adequate dose (the MGH Antidepressant
#: Treatment Response Questionnaire's duration, used to confirm resistance in the esketamine
#: trials).
MIN_ADEQUATE_WEEKS = 6
#: Failed adequate trials of different antidepressants that make a depression
#: treatment-resistant.
TRD_THRESHOLD = 2
TRD_DEFINITION = (
    f"Treatment-resistant depression: at least {TRD_THRESHOLD} different antidepressants, each "
    f"taken in the current episode at an adequate dose for at least {MIN_ADEQUATE_WEEKS} weeks, "
    "without a response (none, or a partial improvement of less than 50 %)."
)
#: Why a trial does not count, in the order they are checked.
NOT_COUNTED = {
    "earlier_episode": "Not in the current episode.",
    "dose_not_adequate": "The dose was not judged adequate.",
    "too_short": f"Shorter than {MIN_ADEQUATE_WEEKS} weeks.",
    "responded": "The patient responded.",
    "not_tolerated": "Stopped because it was not tolerated.",
    "same_drug": "This antidepressant is counted once already.",
}

ANSWERS = ("yes", "no", "unknown")
KINDS = ("contraindication", "caution")


@dataclass(frozen=True)
class Trial:
    """One antidepressant trial as the resistance count reads it."""

    drug: str
    duration_weeks: int
    adequate: bool
    outcome: str
    current_episode: bool = True


@dataclass(frozen=True)
class Resistance:
    """The count, whether it meets the definition, and each trial's part in it (same order)."""

    count: int
    treatment_resistant: bool
    definition: str
    #: For each trial: None if it counts, else a key of NOT_COUNTED.
    reasons: tuple[str | None, ...]


def drug_key(drug: str) -> str:
    """The name two trials of one antidepressant share ("Sertraline " and "sertraline")."""
    return " ".join(drug.split()).casefold()


def _not_counted(trial: Trial) -> str | None:
    if not trial.current_episode:
        return "earlier_episode"
    if not trial.adequate:
        return "dose_not_adequate"
    if trial.duration_weeks < MIN_ADEQUATE_WEEKS:
        return "too_short"
    if trial.outcome == "response":
        return "responded"
    if trial.outcome == "not_tolerated":
        return "not_tolerated"
    return None


def resistance(trials: Iterable[Trial]) -> Resistance:
    """Count the different antidepressants that failed an adequate trial (TRD_DEFINITION)."""
    counted: set[str] = set()
    reasons = []
    for trial in trials:
        reason = _not_counted(trial)
        if reason is None and drug_key(trial.drug) in counted:
            reason = "same_drug"
        if reason is None:
            counted.add(drug_key(trial.drug))
        reasons.append(reason)
    return Resistance(len(counted), len(counted) >= TRD_THRESHOLD, TRD_DEFINITION, tuple(reasons))


@dataclass(frozen=True)
class ScreenItem:
    """One question of the screen: a contraindication blocks a course until it is answered
    "no" or overridden with a reason; a caution is shown and never blocks."""

    code: str
    kind: str
    label: str
    source: str


_LABEL = "esketamine label (Spravato, US prescribing information)"
_EU = "esketamine EU summary of product characteristics (Spravato SmPC)"
_KETALAR = "ketamine label (Ketalar, US prescribing information)"
_APA = "APA consensus statement (Sanacora et al. 2017, JAMA Psychiatry 74:399)"

#: The screen, in the order the clinic asks it. Codes are stored: never rename one.
SCREEN = (
    ScreenItem(
        "aneurysm_avm",
        "contraindication",
        "Aneurysmal vascular disease (thoracic or abdominal aorta, intracranial or peripheral "
        "arteries) or an arteriovenous malformation",
        f"{_LABEL}, Contraindications",
    ),
    ScreenItem(
        "intracerebral_haemorrhage",
        "contraindication",
        "History of intracerebral haemorrhage",
        f"{_LABEL}, Contraindications",
    ),
    ScreenItem(
        "hypersensitivity",
        "contraindication",
        "Hypersensitivity to esketamine, ketamine or an excipient",
        f"{_LABEL} and {_KETALAR}, Contraindications",
    ),
    ScreenItem(
        "uncontrolled_hypertension",
        "contraindication",
        "Uncontrolled hypertension",
        f"{_KETALAR}, Contraindications (a rise in blood pressure would be a serious hazard); "
        f"{_APA}",
    ),
    ScreenItem(
        "unstable_cardiovascular",
        "contraindication",
        "Unstable cardiovascular disease, or a cardiovascular event such as a myocardial "
        "infarction in the last 6 weeks",
        f"{_EU}, Contraindications; {_APA}",
    ),
    ScreenItem(
        "pregnancy",
        "contraindication",
        "Pregnant, or planning a pregnancy during the course",
        f"{_LABEL}, Use in specific populations (not recommended in pregnancy); blocking is "
        "Waypoint's choice",
    ),
    ScreenItem(
        "psychosis_history",
        "caution",
        "History of psychosis, or a first-degree relative with schizophrenia",
        f"{_APA}; {_LABEL}, Medication guide",
    ),
    ScreenItem(
        "substance_use_disorder",
        "caution",
        "Substance use disorder, current or past (risk of abuse and misuse)",
        f"{_LABEL}, Warnings and precautions; {_APA}",
    ),
    ScreenItem(
        "bladder",
        "caution",
        "Bladder problems: ulcerative or interstitial cystitis, lower urinary tract symptoms",
        f"{_LABEL}, Warnings and precautions; {_APA}",
    ),
    ScreenItem(
        "liver",
        "caution",
        "Liver impairment (moderate: longer monitoring; severe: esketamine not recommended)",
        f"{_LABEL}, Use in specific populations; {_APA}",
    ),
    ScreenItem(
        "cerebrovascular_or_icp",
        "caution",
        "Other cardiovascular or cerebrovascular disease, brain injury, or raised "
        "intracranial pressure",
        f"{_LABEL}, Warnings and precautions (blood pressure); {_EU}, Warnings",
    ),
    ScreenItem(
        "cognitive_impairment",
        "caution",
        "Cognitive impairment",
        f"{_LABEL}, Warnings and precautions",
    ),
    ScreenItem(
        "breastfeeding",
        "caution",
        "Breastfeeding",
        f"{_LABEL}, Use in specific populations (not recommended)",
    ),
)
SCREEN_BY_CODE = {item.code: item for item in SCREEN}
CONTRAINDICATIONS = tuple(item.code for item in SCREEN if item.kind == "contraindication")


def item_is_open(code: str, answer: str | None) -> bool:
    """A contraindication not answered "no" (yes, unknown, or not asked yet) is open."""
    return SCREEN_BY_CODE[code].kind == "contraindication" and answer != "no"


def open_contraindications(
    answers: Mapping[str, str | None], overridden: Collection[str] = ()
) -> list[str]:
    """The contraindications that block a course: open and without a standing override."""
    return [
        code
        for code in CONTRAINDICATIONS
        if item_is_open(code, answers.get(code)) and code not in overridden
    ]
