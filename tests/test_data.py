"""Reading CoNLL-U, and finding, downloading and verifying UD English EWT."""

import hashlib
import http.server
import re
import threading
import unicodedata
from contextlib import contextmanager
from typing import ClassVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lstm_course.data import (
    DATA_ENV,
    EWT_SHA256,
    UPOS_TAGS,
    ConlluError,
    DatasetUnavailable,
    TaggedSentence,
    download,
    ewt_filename,
    find_ud_english_ewt,
    load_ud_english_ewt,
    read_conllu,
    tokenize,
)

REAL_SHAPES = """# newdoc id = x
# sent_id = 1
# text = I don't know.
1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
2\tdo\tdo\tAUX\tVBP\t_\t4\taux\t_\t_
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_
4\tknow\tknow\tVERB\tVB\t_\t0\troot\t_\tSpaceAfter=No
4.1\tknows\tknow\tVERB\tVBZ\t_\t_\t_\t4:conj\t_
5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_

# sent_id = 2
1\tYes\tyes\tINTJ\tUH\t_\t0\troot\t_\t_"""  # no blank line at the end of the file


def test_read_conllu_skips_comments_multiword_tokens_and_empty_nodes(tmp_path):
    path = tmp_path / "x.conllu"
    path.write_text(REAL_SHAPES, encoding="utf-8")
    assert read_conllu(path) == [
        TaggedSentence(("I", "do", "n't", "know", "."), ("PRON", "AUX", "PART", "VERB", "PUNCT")),
        TaggedSentence(("Yes",), ("INTJ",)),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2\tcat\tcat\tNOUN\t_\t_\t0", r"line 5: expected 10 tab-separated columns, found 7"),
        ("2 cat cat NOUN _ _ 0 dep _ _", r"line 5: expected 10 tab-separated columns, found 1"),
        ("x\tcat\tcat\tNOUN\t_\t_\t0\tdep\t_\t_", r"line 5: the ID column must be a word number"),
        ("3\tcat\tcat\tNOUN\t_\t_\t0\tdep\t_\t_", r"line 5: word number 3 follows word 1"),
        ("2\tcat\tcat\tNOUNS\t_\t_\t0\tdep\t_\t_", r"line 5: unknown UPOS tag 'NOUNS'"),
        ("2\t\tcat\tNOUN\t_\t_\t0\tdep\t_\t_", r"line 5: the FORM column"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "broken.conllu"
    path.write_text(
        f"# c\n\n# c\n1\tThe\tthe\tDET\t_\t_\t2\tdet\t_\t_\n{line}\n\n", encoding="utf-8"
    )
    with pytest.raises(ConlluError, match=message) as info:
        read_conllu(path)
    assert "broken.conllu" in str(info.value)


def test_a_byte_order_mark_is_allowed_and_a_bad_byte_names_file_and_line(tmp_path):
    path = tmp_path / "bom.conllu"
    path.write_bytes(b"\xef\xbb\xbf" + REAL_SHAPES.encode("utf-8"))
    assert len(read_conllu(path)) == 2  # some editors start a UTF-8 file with a BOM
    latin1 = tmp_path / "latin1.conllu"
    latin1.write_bytes(
        b"# c\n1\tThe\tthe\tDET\t_\t_\t2\tdet\t_\t_\n2\tcaf\xe9\tx\tNOUN\t_\t_\t0\tr\t_\t_\n"
    )
    with pytest.raises(ConlluError, match=r"latin1.conllu, line 3: not UTF-8 text \(byte 0xe9"):
        read_conllu(latin1)


def test_a_word_number_too_long_for_int_is_a_conllu_error(tmp_path):
    path = tmp_path / "long.conllu"
    path.write_text("9" * 5000 + "\tx\tx\tX\t_\t_\t0\tr\t_\t_\n", encoding="utf-8")
    with pytest.raises(ConlluError, match=r"long\.conllu, line 1: word number 999"):
        read_conllu(path)


_LINE_PIECES = st.sampled_from(
    [
        b"1",
        b"2",
        b"1-2",
        b"3.1",
        b"01",
        b"\xd9\xa1",
        b"The",
        b"",
        b"DET",
        b"NOUN",
        b"BAD",
        b"_",
        b"#",
    ]
)
_CONLLU_LIKE = st.lists(
    st.one_of(
        st.lists(_LINE_PIECES, min_size=10, max_size=10).map(b"\t".join),  # a word line, or nearly
        st.lists(_LINE_PIECES, max_size=12).map(b"\t".join),
        st.sampled_from([b"", b"# comment", b"\xef\xbb\xbf", b"\r", b"\xff\xfe", b"\xe9"]),
        st.binary(max_size=12),
    ),
    max_size=12,
).map(b"\n".join)


@settings(max_examples=200, deadline=None)
@given(content=st.one_of(st.binary(max_size=200), _CONLLU_LIKE))
@example(content=b"1\tThe\tthe\tDET\t_\t_\t0\tr\t_\t_\n\n1\tx\tx\tX\t_\t_\t0\tr\t_\t_")
@example(
    content=b"\xef\xbb\xbf1\tThe\tthe\tDET\t_\t_\t0\tr\t_\t_\r\n\xd9\xa1\tx\t_\tX\t_\t_\t_\t_\t_\t_"
)
def test_any_bytes_give_sentences_or_an_error_naming_file_and_line(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("fuzz") / "any.conllu"
    path.write_bytes(content)
    try:
        sentences = read_conllu(path)
    except ConlluError as e:
        assert re.match(rf"{re.escape(str(path))}, line [1-9][0-9]*: ", str(e)), str(e)
        assert "\n" not in str(e)
    else:
        assert all(isinstance(s, TaggedSentence) and len(s) > 0 for s in sentences)
        assert all(t in UPOS_TAGS for s in sentences for t in s.tags)


def test_tagged_sentence_needs_one_tag_per_word():
    with pytest.raises(ValueError, match="2 words, 1 tags"):
        TaggedSentence(("a", "b"), ("DET",))


def test_the_course_copy_of_ewt_has_the_published_counts(ewt_dir):
    counts = {
        split: (len(s), sum(len(x) for x in s))
        for split in ("train", "dev", "test")
        for s in [load_ud_english_ewt(split, ewt_dir)]
    }
    assert counts == {"train": (12544, 204577), "dev": (2001, 25147), "test": (2077, 25094)}
    tags = {t for s in load_ud_english_ewt("dev", ewt_dir) for t in s.tags}
    assert len(tags) == 17


def test_env_var_is_used_and_a_corrupt_copy_is_refused(tmp_path, monkeypatch, ewt_dev_bytes):
    (tmp_path / ewt_filename("dev")).write_bytes(ewt_dev_bytes)
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    assert find_ud_english_ewt("dev", allow_download=False) == tmp_path / ewt_filename("dev")
    (tmp_path / ewt_filename("dev")).write_bytes(ewt_dev_bytes[:-100])  # a partial copy
    with pytest.raises(ValueError, match="corrupt, partial or another release"):
        find_ud_english_ewt("dev", allow_download=False)


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="train, dev, test"):
        find_ud_english_ewt("validation")


# --------------------------------------------------------------------------- downloads
class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict] = {}

    def do_GET(self):
        body, declared = self.routes.get(self.path, (None, None))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        self.wfile.write(body)  # may be shorter than declared: a cut connection

    def log_message(self, *args):
        pass


@contextmanager
def serve(routes):
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_download_writes_the_file_only_when_complete_and_verified(tmp_path):
    body = b"hello treebank\n" * 1000
    good = hashlib.sha256(body).hexdigest()
    with serve({"/ok": (body, len(body)), "/cut": (body[:500], len(body))}) as url:
        target = tmp_path / "data.conllu"
        assert download(f"{url}/ok", target, good).read_bytes() == body

        with pytest.raises(ValueError, match="corrupt or incomplete"):
            download(f"{url}/ok", tmp_path / "bad.conllu", "0" * 64)
        with pytest.raises(ConnectionError, match="could not download"):
            download(f"{url}/cut", tmp_path / "cut.conllu", good)
        with pytest.raises(ConnectionError, match="404"):
            download(f"{url}/missing", tmp_path / "missing.conllu", good)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.conllu"]  # nothing half-written


def test_download_from_a_file_url(tmp_path):
    source = tmp_path / "source.txt"
    source.write_bytes(b"abc")
    target = download(source.as_uri(), tmp_path / "copy.txt", hashlib.sha256(b"abc").hexdigest())
    assert target.read_bytes() == b"abc"


def test_ewt_is_downloaded_into_the_cache_once(tmp_path, monkeypatch, ewt_dev_bytes):
    monkeypatch.delenv(DATA_ENV, raising=False)
    cache = tmp_path / "cache"
    routes = {"/r2.16/en_ewt-ud-dev.conllu": (ewt_dev_bytes, len(ewt_dev_bytes))}
    with serve(routes) as url:
        path = find_ud_english_ewt(
            "dev", cache_dir=cache, url_template=url + "/r2.16/en_ewt-ud-{split}.conllu"
        )
    assert path == cache / "en_ewt-ud-dev.conllu"
    # the server is gone: the verified cached copy is used
    again = load_ud_english_ewt("dev", cache_dir=cache, url_template="http://127.0.0.1:9/x")
    assert len(again) == 2001


def test_offline_without_a_copy_names_the_three_places(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    with pytest.raises(DatasetUnavailable) as info:
        find_ud_english_ewt(
            "test", cache_dir=tmp_path / "cache", url_template="http://127.0.0.1:9/{split}"
        )
    message = str(info.value)
    for place in ("data_dir", DATA_ENV, "cache", "download the file from"):
        assert place in message
    assert not (tmp_path / "cache" / "en_ewt-ud-test.conllu").exists()


def test_a_corrupt_cached_file_is_downloaded_again(tmp_path, monkeypatch, ewt_dev_bytes):
    monkeypatch.delenv(DATA_ENV, raising=False)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "en_ewt-ud-dev.conllu").write_bytes(b"half a file")
    with serve({"/en_ewt-ud-dev.conllu": (ewt_dev_bytes, len(ewt_dev_bytes))}) as url:
        path = find_ud_english_ewt(
            "dev", cache_dir=cache, url_template=url + "/en_ewt-ud-{split}.conllu"
        )
    assert path.read_bytes() == ewt_dev_bytes
    assert EWT_SHA256["dev"]


def test_a_corrupt_cached_file_offline_is_reported_as_corrupt_not_missing(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "en_ewt-ud-dev.conllu").write_bytes(b"half a file")
    with pytest.raises(DatasetUnavailable) as info:
        find_ud_english_ewt("dev", cache_dir=cache, url_template="http://127.0.0.1:9/{split}")
    message = str(info.value)
    assert "has no verified copy" in message and "was not found" not in message
    assert f"the cached copy {cache / 'en_ewt-ud-dev.conllu'} is corrupt or partial" in message
    with pytest.raises(DatasetUnavailable, match=r"is corrupt or partial .* downloads are off"):
        find_ud_english_ewt("dev", cache_dir=cache, allow_download=False)


# --------------------------------------------------------------------------- tokenize
@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("I don't know.", ["I", "do", "n't", "know", "."]),
        (
            "It's 3.5 percent, isn't it?",
            ["It", "'s", "3.5", "percent", ",", "is", "n't", "it", "?"],
        ),
        ("The U.S. can't e-mail us!", ["The", "U.S.", "ca", "n't", "e-mail", "us", "!"]),
        ("", []),
    ],
)
def test_tokenize_splits_like_ewt(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (unicodedata.normalize("NFD", "Café au lait."), ["Café", "au", "lait", "."]),
        (
            "I \U0001f469\u200d\U0001f4bb and \U0001f44d\U0001f3fd!",
            ["I", "\U0001f469\u200d\U0001f4bb", "and", "\U0001f44d\U0001f3fd", "!"],
        ),
        ("Made in \U0001f1ec\U0001f1e7.", ["Made", "in", "\U0001f1ec\U0001f1e7", "."]),
        ("नमस्ते दुनिया", ["नमस्ते", "दुनिया"]),  # Devanagari vowel signs are combining marks
        ("g\u0303o", ["g\u0303o"]),  # no precomposed g-tilde: the mark stays on its letter
    ],
)
def test_tokenize_keeps_what_a_reader_sees_as_one_character_whole(text, tokens):
    got = tokenize(text)
    assert got == [unicodedata.normalize("NFC", t) for t in tokens]
    assert all(unicodedata.is_normalized("NFC", t) for t in got)


def test_tokenize_refuses_a_list():
    with pytest.raises(TypeError, match="takes a str"):
        tokenize(["a", "b"])
