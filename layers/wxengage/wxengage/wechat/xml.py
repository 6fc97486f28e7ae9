"""Safe parsing of WeChat's flat callback XML: no DTDs or entities; bounded size, depth, count."""

from __future__ import annotations

import re
from xml.parsers import expat

from defusedxml.common import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)

from wxengage.wechat.errors import ForbiddenXmlError, MalformedXmlError, XmlTooLargeError

MAX_XML_BYTES = 256 * 1024
# Levels below the root <xml>: PicList/item/PicMd5Sum and ResultList/item/ArticleIdx reach 4.
MAX_DEPTH = 4
MAX_ELEMENTS = 200
ROOT = "xml"
# The envelope WeChat always puts directly under <xml>, once each. A nested or repeated copy is
# never WeChat's (its callbacks are flat apart from PicList, SendLocationInfo, ScanCodeInfo,
# ResultList and PublishEventInfo blocks, none of which repeat these names; WECHAT.md sections
# 3-4, and wechatpy's parser reads them as root children). Refusing them means the first or a
# nested copy can never decide whose window a callback touches.
ENVELOPE = frozenset(
    {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "MsgId", "Encrypt"}
)

# Characters XML 1.0 cannot carry, even inside CDATA.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class _FlatTarget:
    """Parser target that flattens elements into a dict as they stream by.

    Depth and element limits are enforced on each start tag, so a nesting or element-count
    attack is refused as soon as it crosses the limit, before any tree is built.
    """

    def __init__(self) -> None:
        self.top: dict[str, str] = {}
        self.nested: dict[str, str] = {}
        self.root: str | None = None
        self._depth = -1  # the root is depth 0
        self._count = 0
        self._open: list[tuple[str, list[str]]] = []
        self._saw_child: list[bool] = []

    def start(self, tag: str, attrib: object) -> None:
        self._depth += 1
        self._count += 1
        if self._depth > MAX_DEPTH:
            raise MalformedXmlError(f"XML is too deeply nested (more than {MAX_DEPTH} levels)")
        if self._count > MAX_ELEMENTS:
            raise MalformedXmlError(f"XML has more than {MAX_ELEMENTS} elements")
        if self.root is None:
            self.root = tag
        elif self._depth > 1 and tag in ENVELOPE:
            raise MalformedXmlError(f"<{tag}> must be a direct child of <{ROOT}>")
        if self._saw_child:
            self._saw_child[-1] = True
        self._open.append((tag, []))
        self._saw_child.append(False)

    def data(self, text: str) -> None:
        # Like ElementTree's .text: only the text before an element's first child counts.
        if self._open and not self._saw_child[-1]:
            self._open[-1][1].append(text)

    def end(self, tag: str) -> None:
        name, chunks = self._open.pop()
        self._saw_child.pop()
        text = "".join(chunks)
        if self._depth == 1:
            if name in self.top:
                # WeChat never repeats a top-level element: which copy counts would be a guess.
                raise MalformedXmlError(f"<{name}> appears more than once under <{ROOT}>")
            self.top[name] = text
        elif self._depth > 1:
            self.nested.setdefault(name, text)
        self._depth -= 1

    def close(self) -> dict[str, str]:
        # Direct children win over same-named fields found deeper in the tree.
        return {**self.nested, **self.top}


def _forbid_dtd(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(
    name: str,
    is_param: bool,
    value: str | None,
    base: str | None,
    sysid: str | None,
    pubid: str | None,
    notation: str | None,
) -> None:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation)


def _forbid_unparsed(
    name: str, base: str | None, sysid: str | None, pubid: str | None, notation: str | None
) -> None:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _forbid_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _armed_expat() -> expat.XMLParserType:
    """An expat parser armed the way defusedxml's DefusedXMLParser arms its own.

    We arm expat directly with defusedxml's exceptions instead of instantiating
    DefusedXMLParser: that object (pure-Python ElementTree) cost 11 us per parse, two parses
    per callback, about a quarter of the webhook's CPU (bench/webhook.py).
    """
    parser = expat.ParserCreate("utf-8")  # WeChat sends UTF-8; "GBK" would raise ValueError
    parser.StartDoctypeDeclHandler = _forbid_dtd
    parser.EntityDeclHandler = _forbid_entity
    parser.UnparsedEntityDeclHandler = _forbid_unparsed
    parser.ExternalEntityRefHandler = _forbid_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    return parser


def parse_xml(data: bytes | str, max_bytes: int = MAX_XML_BYTES) -> dict[str, str]:
    """Parse callback XML into {tag: text} for the root's children and their descendants.

    A top-level element may appear once; envelope fields (ENVELOPE) only at the top level.
    Among nested elements the first occurrence wins; direct children win over nested ones.
    """
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise XmlTooLargeError(f"XML is {size} bytes; the limit is {max_bytes}")
    if isinstance(data, bytes) and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # expat would honour a UTF-16 byte-order mark over the forced UTF-8: WeChat sends UTF-8.
        raise MalformedXmlError("XML must be UTF-8, not UTF-16")
    target = _FlatTarget()
    # Elements stream straight from expat into the target: no ElementTree layer, no tree.
    parser = _armed_expat()
    parser.StartElementHandler = target.start
    parser.EndElementHandler = target.end
    parser.CharacterDataHandler = target.data
    try:
        parser.Parse(data, True)
        fields = target.close()
    except DefusedXmlException as err:
        kind = type(err).__name__
        raise ForbiddenXmlError(f"XML must not use DTDs or entities: {kind}") from None
    except expat.ExpatError as err:
        raise MalformedXmlError(f"XML is not well-formed: {err}") from None
    except UnicodeError:  # a str with lone surrogates cannot be fed to expat
        raise MalformedXmlError("XML text is not valid Unicode") from None
    if target.root != ROOT:
        raise MalformedXmlError(f"XML root must be <{ROOT}>, not <{target.root}>")
    return fields


def cdata(text: str) -> str:
    """Wrap text in CDATA, splitting any "]]>" across two sections and dropping non-XML chars."""
    clean = _NOT_XML.sub("", text)
    return "<![CDATA[" + clean.replace("]]>", "]]]]><![CDATA[>") + "]]>"
