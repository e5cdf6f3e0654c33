"""The Label Studio labeling config, generated from the tables of corpus_tools.schema.

Nothing here names a label or control by hand: add a label to the schema and the config
follows. Per-region controls carry ``visibleWhen="region-selected"`` with ``whenTagName``
(and ``whenLabelValue`` when they apply to one label of a layer): Label Studio's front end
reads these on the control itself both to show it and to decide which regions a
``required`` control must be filled for, so a required ``timex_value`` does not block an
entity region.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from corpus_tools.schema import LAYERS, REGION_VALUES, RELATIONS, TEXT_NAME, RegionValue

TEXT_STYLE = ".htx-text{white-space:pre-wrap}"


def _tag(name: str, attributes: dict[str, str], children: list[str] | None = None, indent: int = 1) -> str:
    pad = "  " * indent
    rendered = "".join(f" {key}={quoteattr(value)}" for key, value in attributes.items())
    if children is None:
        return f"{pad}<{name}{rendered}/>"
    inner = "\n".join(children)
    return f"{pad}<{name}{rendered}>\n{inner}\n{pad}</{name}>"


def _labels(layer_name: str) -> str:
    layer = LAYERS[layer_name]
    labels = [_tag("Label", {"value": label}, indent=2) for label in layer.labels]
    return _tag("Labels", {"name": layer.name, "toName": TEXT_NAME}, labels)


def _visibility(value: RegionValue) -> dict[str, str]:
    attributes = {"perRegion": "true", "visibleWhen": "region-selected", "whenTagName": value.layer}
    if value.labels != LAYERS[value.layer].labels:
        if len(value.labels) != 1:
            # whenLabelValue takes one label; a control for a subset of several labels would
            # need one control per label, which the schema does not have yet
            raise ValueError(f"{value.name}: a per-region value applies to all labels of its layer or to one")
        attributes["whenLabelValue"] = value.labels[0]
    return attributes


def _textarea(value: RegionValue) -> str:
    attributes = {"name": value.name, "toName": TEXT_NAME, **_visibility(value), "editable": "true",
                  "maxSubmissions": "1", "rows": "1", "placeholder": value.name}
    if value.required:
        attributes["required"] = "true"
    return _tag("TextArea", attributes)


def _choices(value: RegionValue) -> str:
    attributes = {"name": value.name, "toName": TEXT_NAME, **_visibility(value), "choice": "single",
                  "showInline": "true"}
    if value.required:
        attributes["required"] = "true"
    return _tag("Choices", attributes, [_tag("Choice", {"value": choice}, indent=2) for choice in value.choices])


CONTROL_RENDERERS = {"TextArea": _textarea, "Choices": _choices}


def _region_value(value: RegionValue) -> str:
    try:
        render = CONTROL_RENDERERS[value.control]
    except KeyError:
        raise ValueError(f"{value.name}: no renderer for control type {value.control!r}") from None
    return render(value)


def labeling_config() -> str:
    """The labeling config XML; the same schema gives byte-identical output.

    No trailing newline: the server strips it, and push compares the stored config with this.
    """
    parts = [
        f"  <Style>{TEXT_STYLE}</Style>",
        *(_labels(name) for name in LAYERS),
        _tag("Text", {"name": TEXT_NAME, "value": f"${TEXT_NAME}"}),
        _tag("Relations", {}, [_tag("Relation", {"value": name}, indent=2) for name in RELATIONS]),
        *(_region_value(value) for value in REGION_VALUES.values()),
    ]
    return _tag("View", {}, parts, indent=0)
