"""Make names.txt from the 1990 US Census first-name lists.

    python nn/data/make_names.py names-0.3.0.tar.gz > nn/data/names.txt

The lists (dist.female.first, dist.male.first) come inside the `names`
package on PyPI (`pip download --no-deps names`); see NAMES_SOURCE.md. Each
line of a list is a name in capitals followed by three numbers (frequency,
cumulative frequency, rank). This keeps the names, lowercased, merges the
two lists, drops duplicates (a name given to girls and boys is in both) and
writes them one per line in alphabetical order.
"""

import sys
import tarfile

LISTS = ('dist.female.first', 'dist.male.first')


def census_names(archive_path):
    """The distinct lowercase first names in the Census lists of the `names` sdist."""
    found = set()
    with tarfile.open(archive_path) as archive:
        for member in archive.getmembers():
            if member.name.rsplit('/', 1)[-1] not in LISTS:
                continue
            text = archive.extractfile(member).read().decode('ascii')
            for line in text.splitlines():
                fields = line.split()
                if fields:
                    found.add(fields[0].lower())
    if not found:
        raise SystemExit(f'make_names: no Census list ({", ".join(LISTS)}) in {archive_path}')
    bad = sorted(name for name in found if not (name.isascii() and name.isalpha()))
    if bad:
        raise SystemExit(f'make_names: names with characters other than a-z: {bad[:5]}')
    return sorted(found)


if __name__ == '__main__':
    if len(sys.argv) != 2:
        raise SystemExit('usage: python nn/data/make_names.py names-0.3.0.tar.gz > names.txt')
    sys.stdout.write(''.join(name + '\n' for name in census_names(sys.argv[1])))
