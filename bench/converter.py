"""Measurement (b): label-studio-sdk's own Converter, export JSON -> CONLL2003.

A peer that does less work than corpus_tools (no validation, one layer, one output file), run
as its own process so its peak RSS is its own:

    python -m bench.converter EXPORT.json OUTDIR
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

from corpus_tools import schema


def _labels(layer: schema.Layer) -> str:
    inner = "".join(f'<Label value={quoteattr(label)}/>' for label in layer.labels)
    return f'<Labels name={quoteattr(layer.name)} toName="text">{inner}</Labels>'


def _region_value(value: schema.RegionValue) -> str:
    shown = f'perRegion="true" visibleWhen="region-selected" whenTagName={quoteattr(value.layer)}'
    if value.control == "TextArea":
        return f'<TextArea name={quoteattr(value.name)} toName="text" {shown} maxSubmissions="1" editable="true"/>'
    inner = "".join(f'<Choice value={quoteattr(choice)}/>' for choice in value.choices)
    return f'<Choices name={quoteattr(value.name)} toName="text" {shown} choice="single">{inner}</Choices>'


def fallback_config() -> str:
    """The labeling config written from the schema tables, for as long as the package has none."""
    relations = "".join(f'<Relation value={quoteattr(label)}/>' for label in schema.RELATIONS)
    return (
        "<View><Style>.htx-text{white-space:pre-wrap}</Style>"
        + "".join(_labels(layer) for layer in schema.LAYERS.values())
        + f'<Relations>{relations}</Relations>'
        + f'<Text name="{schema.TEXT_NAME}" value="$text"/>'
        + "".join(_region_value(value) for value in schema.REGION_VALUES.values())
        + "</View>"
    )


def labeling_config() -> str:
    """The package's generated config when it exists (branch ls), else the fallback above."""
    try:
        from corpus_tools.labelstudio.config import labeling_config as package_config
    except ImportError:
        return fallback_config()
    return package_config()


def convert(export: Path, out_dir: Path) -> Path:
    from label_studio_sdk.converter import Converter

    converter = Converter(labeling_config(), project_dir=str(out_dir), download_resources=False)
    converter.convert(str(export), str(out_dir), "CONLL2003", is_dir=False)
    return out_dir / "result.conll"


def main(argv: list[str] | None = None) -> None:
    export, out_dir = map(Path, argv if argv is not None else sys.argv[1:])
    print(convert(export, out_dir))


if __name__ == "__main__":
    main()
