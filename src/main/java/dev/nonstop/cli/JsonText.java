package dev.nonstop.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * JSON text to a {@link JsonNode} tree and back, with Jackson's streaming parser and generator
 * only. The CLI reads a tree or two per call; building an {@code ObjectMapper} (its serializer and
 * deserializer factories, type resolution) cost more than the whole call, so the admin server
 * keeps {@link dev.nonstop.admin.Json} and the client does without. Numbers become the nodes
 * {@code ObjectMapper.readTree} would make, and {@link #pretty} writes what its default pretty
 * printer writes.
 */
final class JsonText {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonText() {}

  static ObjectNode object() {
    return NODES.objectNode();
  }

  /**
   * The first value in {@code text}, or a missing node when there is none.
   *
   * @throws IOException when {@code text} is not JSON
   */
  static JsonNode read(String text) throws IOException {
    try (JsonParser p = FACTORY.createParser(text)) {
      return p.nextToken() == null ? MissingNode.getInstance() : value(p);
    }
  }

  private static JsonNode value(JsonParser p) throws IOException {
    JsonToken token = p.currentToken();
    switch (token) {
      case START_OBJECT:
        ObjectNode object = NODES.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          object.set(name, value(p));
        }
        return object;
      case START_ARRAY:
        ArrayNode array = NODES.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          array.add(value(p));
        }
        return array;
      case VALUE_STRING:
        return NODES.textNode(p.getText());
      case VALUE_NUMBER_INT:
        return switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(p.getDoubleValue());
      case VALUE_TRUE:
      case VALUE_FALSE:
        return NODES.booleanNode(token == JsonToken.VALUE_TRUE);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new IOException("unexpected " + token + " at " + p.currentLocation().offsetDescription());
    }
  }

  /** {@code node} on one line. */
  static String compact(JsonNode node) {
    return write(node, /* pretty= */ false);
  }

  /** {@code node} indented, one field a line. */
  static String pretty(JsonNode node) {
    return write(node, /* pretty= */ true);
  }

  private static String write(JsonNode node, boolean pretty) {
    StringWriter text = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(text)) {
      if (pretty) {
        g.setPrettyPrinter(new DefaultPrettyPrinter());
      }
      write(node, g);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to a StringWriter", e);
    }
    return text.toString();
  }

  private static void write(JsonNode node, JsonGenerator g) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
          g.writeFieldName(field.getKey());
          write(field.getValue(), g);
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode element : node) {
          write(element, g);
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(node.textValue());
      case NUMBER -> {
        switch (node.numberType()) {
          case INT -> g.writeNumber(node.intValue());
          case LONG -> g.writeNumber(node.longValue());
          case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
          case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
          default -> g.writeNumber(node.doubleValue());
        }
      }
      case BOOLEAN -> g.writeBoolean(node.booleanValue());
      default -> g.writeNull(); // NULL; MISSING, BINARY and POJO never come from read()
    }
  }
}
