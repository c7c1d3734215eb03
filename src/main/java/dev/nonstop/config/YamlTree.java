package dev.nonstop.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A YAML document as nodes that know their line and column. Jackson's JsonNode forgets where a
 * value stood, so the tree is built here from the token stream; it also refuses duplicate keys,
 * which the stream lets through.
 */
final class YamlTree {
  private static final YAMLFactory YAML = new YAMLFactory();

  private YamlTree() {}

  /** Where something stands in the file; line and column count from 1. */
  record Position(int line, int column) {
    static final Position START = new Position(1, 1);

    static Position of(JsonLocation location) {
      return location == null ? START : new Position(Math.max(1, location.getLineNr()), Math.max(1, location.getColumnNr()));
    }

    @Override
    public String toString() {
      return line + ":" + column;
    }
  }

  sealed interface Node permits Scalar, Mapping, Sequence {
    Position at();
  }

  /** A plain value; {@code token} tells a string from a number, a boolean or a null. */
  record Scalar(JsonToken token, String text, Position at) implements Node {
    boolean isNull() {
      return token == JsonToken.VALUE_NULL;
    }

    boolean isString() {
      return token == JsonToken.VALUE_STRING;
    }
  }

  record Entry(String key, Position keyAt, Node value) {}

  /** Keys in file order. */
  record Mapping(Map<String, Entry> entries, Position at) implements Node {}

  record Sequence(List<Node> items, Position at) implements Node {}

  /** The document's root node, or null for an empty document. */
  static Node parse(String text, Path file) {
    try (JsonParser p = YAML.createParser(text)) {
      if (p.nextToken() == null) {
        return null;
      }
      Node root = node(p, file);
      if (p.nextToken() != null) {
        throw Section.error(file, Position.of(p.currentTokenLocation()),
            "a second document (expected: one document; remove the '---' or what follows it)");
      }
      return root;
    } catch (JacksonException e) {
      throw syntaxError(file, e);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read: " + e.getMessage(), e);
    }
  }

  private static Node node(JsonParser p, Path file) throws IOException {
    Position at = Position.of(p.currentTokenLocation());
    JsonToken token = p.currentToken();
    if (token == JsonToken.START_OBJECT) {
      Map<String, Entry> entries = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        Position keyAt = Position.of(p.currentTokenLocation());
        p.nextToken();
        Entry previous = entries.get(key);
        if (previous != null) {
          throw Section.error(file, keyAt, "duplicate key '" + key + "' (expected: each key once; it is first set at line "
              + previous.keyAt().line() + ")");
        }
        entries.put(key, new Entry(key, keyAt, node(p, file)));
      }
      return new Mapping(Collections.unmodifiableMap(entries), at);
    }
    if (token == JsonToken.START_ARRAY) {
      List<Node> items = new ArrayList<>();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        items.add(node(p, file));
      }
      return new Sequence(List.copyOf(items), at);
    }
    return new Scalar(token, token == JsonToken.VALUE_NULL ? null : p.getText(), at);
  }

  private static ConfigException syntaxError(Path file, JacksonException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof MarkedYAMLException y && y.getProblemMark() != null) {
        Mark m = y.getProblemMark();
        return new ConfigException(file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1) + ": YAML syntax: "
            + y.getProblem() + (y.getContext() == null ? "" : " " + y.getContext())
            + " (expected: valid YAML, e.g. 'key: value' lines with spaces, not tabs, for indentation)", e);
      }
    }
    return new ConfigException(file + ":" + Position.of(e.getLocation()) + ": YAML syntax: " + e.getOriginalMessage()
        + " (expected: valid YAML)", e);
  }
}
