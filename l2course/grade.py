"""``python -m l2course.grade``: grade a class (the code is in :mod:`l2course.grading`)."""

if __name__ == "__main__":
    import sys

    from l2course.grading.cli import main

    sys.exit(main())
