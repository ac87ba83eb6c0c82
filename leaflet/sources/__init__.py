"""A content file in, a typed Content out, with every problem named by file, line and key.

`yaml_source` reads YAML keeping each node's line; `schema` describes and checks every
file format of ours (content, theme, profiles, checks, patients) and publishes the JSON
Schema; `content` is the content format itself.
"""

from leaflet.sources.content import (
    CONTENT,
    Content,
    ParsedContent,
    json_schema,
    load_content,
    parse_content,
)

__all__ = ["CONTENT", "Content", "ParsedContent", "json_schema", "load_content", "parse_content"]
