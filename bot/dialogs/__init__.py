"""The guided dialogs: the glutamine dose estimate and the daily calorie target (pure).

registry.py  what a dialog declares (name, command, intents, steps, texts) and the Registry
engine.py    runs any registered dialog: retries, red flags, questions mid-dialog, timeouts
weight.py    the weight steps both dialogs share
dose.py, calories.py           the two dialogs (flows in dose.mmd and calories.mmd)
dose_estimate.py, calorie_target.py, units.py   their arithmetic and the parsing of answers
calorie_answers.py            reading the calorie answers (goals, sex, age, activity in words)

A new dialog is one module that builds a `Dialog`, added to DIALOGS below, plus its texts in
content/messages.yaml and a diagram (docs/dialogs.md has a worked example).
"""

from bot.dialogs import calories, dose
from bot.dialogs.engine import DIALOG_TIMEOUT, Engine
from bot.dialogs.registry import DIALOG_DATA, Dialog, Outcome, Registry, Step

DIALOGS: tuple[Dialog, ...] = (dose.DIALOG, calories.DIALOG)


def default_registry() -> Registry:
    """The registry of the dialogs the bot runs."""
    return Registry(DIALOGS)


__all__ = [
    "DIALOGS",
    "DIALOG_DATA",
    "DIALOG_TIMEOUT",
    "Dialog",
    "Engine",
    "Outcome",
    "Registry",
    "Step",
    "default_registry",
]
