"""The model document (``model.json``) checked as data, before anything is built from it.

A saved model is data, and data from a file is checked like user input: every
key is required or allowed (unknown keys are refused by name), every value has
a type and a range, and the sections agree with each other (the window in the
configuration and in the network, the network's inputs and the schema's
columns, the scaler's length, the width and length of the kept rows). The
document is parsed with guards first: integers longer than any value a model
stores, keys given twice and nesting deeper than a model document's are refused
before anything walks it. Every failure is one :class:`~lstmcast.errors.ModelFileError`
line naming the key path and the fix::

    model.json: network.window must be a positive integer, got -3; the file was edited or damaged; save the model again.

The configuration's values are checked by :func:`lstmcast.params.check_params`
(the one place parameters are checked); the allowed keys of the network and the
history are their classes' fields, so a field added there is allowed here.

This module knows the document as a whole (its envelope, its sections per format version and
the settings they agree with); the guarded parsing and the typed value checks are in
:mod:`lstmcast.io.json_checks`, each section's own checks in :mod:`lstmcast.io.sections`.
"""

from __future__ import annotations

from lstmcast import params as P
from lstmcast.errors import ConfigError, ModelFileError
from lstmcast.io.json_checks import Invalid, a_str, an_int, an_object, is_int, raise_invalid, show
from lstmcast.io.sections import (
    check_calibration,
    check_choices,
    check_combination,
    check_history,
    check_network,
    check_panel,
    check_schema,
    check_tail,
    check_transforms,
)
from lstmcast.roles import value_columns

FORMAT_VERSION = 2  # 2: network kind, loss object and future= columns; format 1 still loads
MAX_MEMBERS = 1000  # ensemble members

# what the parameters added since format 1 meant before they existed (a format-1 model used these)
FORMAT1_DEFAULTS = {
    "window": 10,
    "epochs": 50,
    "test": 0.2,
    "log": False,
    "difference": 0,
    "normalize": "none",
    "ensemble": 1,
    "combine": False,
    "init": "random",
}
# parameters added to format 2 later, with what a model saved before them used
LATER_DEFAULTS = {"combine": False, "init": "random"}

ENVELOPE = ("format", "format_version", "library_version", "weights_sha256", "document_sha256")
OPTIONAL_ENVELOPE = ("signature",)
SECTIONS = {  # the state's top-level keys, per format version (all required)
    1: ("config", "network", "transforms", "schema", "tail", "history"),
    2: ("config", "resolved", "choices", "members", "network", "loss", "transforms", "schema", "tail", "history"),
}
OPTIONAL_SECTIONS = ("calibration", "panel", "combination")  # intervals; many series; the combined forecast
# settings the network, transforms and loss are built from: a set value must be the value used
STRUCTURAL = (
    "window",
    "horizon",
    "strategy",
    "cell",
    "units",
    "dropout",
    "bidirectional",
    "dense_units",
    "scaler",
    "feature_range",
    "log",
    "difference",
    "normalize",
    "seasonal_period",
    "loss",
    "ensemble",
)


# -- the document ------------------------------------------------------------------------------------
def check_version(doc, where: str = "model.json") -> int:
    """The format version of a parsed document (format and version first: before checksums are compared)."""
    if not isinstance(doc, dict) or doc.get("format") != "lstmcast-model":
        raise ModelFileError(f"{where} is not an lstmcast model document.")
    version = doc.get("format_version")
    if is_int(version) and version > FORMAT_VERSION:
        raise ModelFileError(
            f"{where} was saved in model format {version}, which this lstmcast does not read "
            f"(formats 1 to {FORMAT_VERSION}): upgrade lstmcast (pip install -U lstmcast)."
        )
    if not is_int(version) or version < 1:
        raise_invalid(
            where, Invalid("format_version", f"must be an integer from 1 to {FORMAT_VERSION}, got {show(version)}")
        )
    return version


def check_document(doc: dict, where: str = "model.json") -> dict:
    """Check a whole ``model.json`` (envelope and state); the resolved settings (``check_params``'d)."""
    version = check_version(doc, where)
    try:
        for name in ("library_version", "weights_sha256", "document_sha256"):
            a_str(doc.get(name), name)
        if "signature" in doc:
            a_str(doc["signature"], "signature")
    except Invalid as exc:
        raise_invalid(where, exc)
    return check_state(doc, where, version, envelope=True)


def check_state(state: dict, where: str = "model.json", version: int = FORMAT_VERSION, envelope: bool = False) -> dict:
    """Check a model state (what ``model.json`` holds, or ``Forecaster.to_state()``) as data.

    Returns the resolved settings, checked by :func:`lstmcast.params.check_params`. Raises one
    ModelFileError naming the key path at fault. ``envelope``: the document's own keys are required.
    """
    try:
        return _check_state(state, version, envelope)
    except Invalid as exc:
        raise_invalid(where, exc)


def _check_state(state, version: int, envelope: bool) -> dict:
    sections = SECTIONS[version]
    allowed = (*sections, *ENVELOPE, *OPTIONAL_ENVELOPE, "arrays", *(OPTIONAL_SECTIONS if version >= 2 else ()))
    an_object(state, "", (*ENVELOPE, *sections) if envelope else sections, allowed)
    cfg = _settings(state, version)
    members = an_int(state.get("members", 1), "members", 1, MAX_MEMBERS)
    if members != cfg["ensemble"]:
        raise Invalid("members", f"is {members} but resolved.ensemble is {cfg['ensemble']}")
    schema = check_schema(state["schema"], version)
    columns = value_columns(schema)
    panel = "panel" in state
    mask = panel and isinstance(state["panel"], dict) and state["panel"].get("mask") is True  # + 1 input column
    check_network(state["network"], version, cfg, schema, columns, state.get("loss"), int(mask))
    lag = check_transforms(state["transforms"], cfg, 0 if panel else len(columns))
    positive = len(schema["targets"]) if cfg["log"] else 0
    check_tail(state["tail"], schema, len(columns), 0 if panel else cfg["window"] + lag, positive)
    if panel:
        check_panel(state["panel"], state["tail"], len(schema["targets"]))
    check_history(state["history"])
    if version >= 2:
        check_choices(state["choices"])
    if "calibration" in state:
        check_calibration(state["calibration"], cfg, len(schema["targets"]))
    if "combination" in state:
        check_combination(state["combination"], len(schema["targets"]))
    return cfg


def _params(d, path: str, defaults: dict | None = None) -> dict:
    """A parameter dict checked by params.check_params (the one place); unknown keys named."""
    an_object(d, path, (), P.PARAMS)
    try:
        return P.check_params({**(defaults or {}), **P.from_jsonable(d)})
    except ConfigError as exc:
        raise Invalid(path, f"is invalid: {str(exc).rstrip('.')}") from None


REPLACEABLE = ("scaler",)  # defaults fit may replace, saying why in choices (loss="negbin": "none")


def _default_replaced(k: str, config: dict, cfg: dict, choices: dict) -> bool:
    """Whether ``config[k]`` is the parameter's default, which fit replaced and recorded why in ``choices``
    (loss='negbin' models counts in their own units: the default scaler 'minmax' becomes 'none')."""
    choice = choices.get(k)
    return (
        k in REPLACEABLE
        and config[k] == P.DEFAULTS[k]
        and isinstance(choice, dict)
        and choice.get("value") == P.jsonable({k: cfg[k]})[k]
        and bool(choice.get("reason"))
    )


def _settings(state: dict, version: int) -> dict:
    """The resolved settings; a value set in ``config`` must be the one used."""
    config = _params(state["config"], "config", FORMAT1_DEFAULTS if version == 1 else LATER_DEFAULTS)
    if version == 1:
        cfg, source = config, "config"
    else:
        cfg, source = _params(state["resolved"], "resolved", LATER_DEFAULTS), "resolved"
    auto = [k for k, v in cfg.items() if v == "auto"]
    if auto:
        raise Invalid(f"{source}.{auto[0]}", 'must be a value, got "auto" (the resolved settings hold no "auto")')
    choices = state.get("choices") if isinstance(state.get("choices"), dict) else {}
    for k in STRUCTURAL if version >= 2 else ():
        if config[k] not in ("auto", None) and config[k] != cfg[k] and not _default_replaced(k, config, cfg, choices):
            raise Invalid(
                f"config.{k}", f"is {show(P.jsonable(config)[k])} but resolved.{k} is {show(P.jsonable(cfg)[k])}"
            )
    return cfg
