"""lstm_course: the reference code behind the LSTM course's notebooks.

Each module holds one idea of the course, roughly in the order the lessons build them:

- ``glossary``: the course's words (event, short-term memory, ...) beside PyTorch's (x_t, h_t).
- ``cells``: the LSTM, GRU and RNN cells from plain tensor operations (lessons 1, 2, 5).
- ``vocab``: words and tags to indices (lesson 3).
- ``data``: CoNLL-U files, and the UD English EWT treebank found or downloaded (lesson 3).
- ``batching``: padding and batches of sentences of one length (lesson 4).
- ``tagger``: the notes' tagger and the course's part-of-speech tagger (lesson 4).
- ``lookup``: the lookup table with fallbacks, the baseline of every tagger (lessons 4, 5).
- ``training``: one training step, the training loop and evaluation of a tagger (lesson 4).
- ``tagger_cli``: the tagger's command line, ``lstm-tagger`` (lesson 4).
- ``speed``: what only makes the tagger's training faster, in one place a learner can skip.
- ``adding``: the adding problem, a test of memory for LSTM, GRU and RNN (lesson 5).
- ``corpus``: Python's standard library as a corpus of code (lesson 6).
- ``charlm``: a character-level language model of Python source (lesson 6).
- ``probes``: what a memory knows: features of code, single units, probes, gates (lesson 6).
- ``forecasting``: forecasting a time series honestly, beside its baselines (lesson 7).
- ``diagrams``: the LSTM and GRU cell diagrams (lessons 1 and 5), and the gate colours.
- ``viz``: the plots the lessons draw.
- ``explorer``: lesson 6's widget that shows any unit over any text.
- ``exercises``: the automatic checks of the lessons' exercises, one module per lesson
  (``exercises.lesson1`` ... ``exercises.lesson7``) and the ``harness`` they share.
- ``runtime``: seeding, choosing a device, bfloat16 where the CPU computes it.
- ``files``: atomic writes, and the models' checkpoints and their one error type.
- ``colab``: the badge and setup cell at the top of every notebook.
"""

#: The course's canonical repository. Every "Open in Colab" badge and every notebook's
#: setup cell is made from this one string (see ``tools/sync_notebook_headers.py``).
REPO_URL = "https://github.com/lstm-course/lstm-course"

__version__ = "0.1.0"
