"""``python -m l2course.grading``: grade a class (see :mod:`l2course.grading.cli`)."""

if __name__ == "__main__":
    import sys

    from l2course.grading.cli import main

    sys.exit(main())
