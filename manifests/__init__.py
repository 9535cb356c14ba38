"""Read, write, validate and verify llamix manifests (`manifest.json` beside every stage output)."""
from manifests.manifest import (
    MANIFEST_NAME,
    ManifestError,
    Mismatch,
    build_manifest,
    check_funnel,
    lineage,
    manifest_path,
    read_manifest,
    summarize_errors,
    validate,
    verify_manifest,
    write_manifest,
)

__all__ = [
    "MANIFEST_NAME",
    "ManifestError",
    "Mismatch",
    "build_manifest",
    "check_funnel",
    "lineage",
    "manifest_path",
    "read_manifest",
    "summarize_errors",
    "validate",
    "verify_manifest",
    "write_manifest",
]
