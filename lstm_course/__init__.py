"""lstm_course: the reference code behind the LSTM course's notebooks.

Each module holds one idea of the course, in the order the lessons build it:

- :mod:`lstm_course.glossary` -- the course's words (event, short-term memory, ...) and
  PyTorch's (x_t, h_t, ...), mapped once.
- :mod:`lstm_course.cells` -- the LSTM cell from plain tensor operations (lesson 1).
- :mod:`lstm_course.vocab` -- words and tags to indices (lesson 3).
- :mod:`lstm_course.viz` -- the pictures the lessons draw.
- :mod:`lstm_course.runtime` -- seeding and choosing a device.
- :mod:`lstm_course.exercises` -- the automatic checks of the lessons' exercises.
- :mod:`lstm_course.files` -- writing files so that a crash never leaves half a file behind.
"""

#: The course's canonical repository. Every "Open in Colab" badge and every notebook's
#: setup cell is made from this one string (see ``tools/sync_notebook_headers.py``).
REPO_URL = "https://github.com/lstm-course/lstm-course"

__version__ = "0.1.0"
