#!/usr/bin/python3
"""Self-test of the KMS emulators: runs every test_emu_*.py module in this directory.

  /usr/bin/python3 tests/kms_servers/test_emulators.py            # everything
  /usr/bin/python3 tests/kms_servers/test_emulators.py aws faults # test_emu_aws.py, test_emu_faults.py

Exit status 0 when all pass. Needs python3-cryptography, python3-jwt and python3-botocore (Debian);
the libmongocrypt cross-check is skipped with a message when libmongocrypt0 is absent.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main(argv):
    loader = unittest.TestLoader()
    if argv:
        suite = unittest.TestSuite(loader.loadTestsFromName(f"test_emu_{name}") for name in argv)
    else:
        suite = loader.discover(HERE, pattern="test_emu_*.py", top_level_dir=HERE)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
