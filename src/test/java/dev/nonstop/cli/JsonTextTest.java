package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nonstop.admin.Json;
import org.junit.jupiter.api.Test;

/** The client's JSON reads and writes what the admin server's ObjectMapper does. */
class JsonTextTest {
  private static final String TEXT = """
      {"id":3,"big":12345678901,"huge":123456789012345678901234567890,"ratio":0.25,"on":true,
       "off":false,"none":null,"name":"é \\"q\\"\\n","list":[1,[],{}],"empty":{}}""";

  @Test
  void readsTheTreeAnObjectMapperReads() throws Exception {
    JsonNode ours = JsonText.read(TEXT);
    JsonNode theirs = Json.mapper().readTree(TEXT);

    assertThat(ours).isEqualTo(theirs);
    assertThat(ours.path("big").numberType()).isEqualTo(theirs.path("big").numberType());
    assertThat(ours.path("huge").numberType()).isEqualTo(theirs.path("huge").numberType());
  }

  @Test
  void writesWhatAnObjectMapperWrites() throws Exception {
    JsonNode tree = Json.mapper().readTree(TEXT);

    assertThat(JsonText.compact(tree)).isEqualTo(Json.mapper().writeValueAsString(tree));
    assertThat(JsonText.pretty(tree)).isEqualTo(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(tree));
  }

  @Test
  void nothingIsAMissingNode() throws Exception {
    assertThat(JsonText.read("  ").isMissingNode()).isTrue();
  }
}
