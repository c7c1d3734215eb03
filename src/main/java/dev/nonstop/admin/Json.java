package dev.nonstop.admin;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.nonstop.deploy.Event;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * The one JSON mapping of the admin API, shared by the server and the CLI so that both read and
 * write the same shapes. Instants and durations are ISO-8601 strings (the build has no jsr310
 * module). Thread-safe once built.
 */
public final class Json {
  private static final ObjectMapper MAPPER = build();

  private Json() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  private static ObjectMapper build() {
    SimpleModule time = new SimpleModule("nonstop-time");
    time.addSerializer(Instant.class, ToStringSerializer.instance);
    time.addSerializer(Duration.class, ToStringSerializer.instance);
    time.addDeserializer(Instant.class, new InstantDeserializer());
    time.setMixInAnnotation(Event.class, EventFields.class);
    return new ObjectMapper()
        .registerModule(time)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  /** An event is its four components; {@code isFinal()} is derived from the type. */
  @JsonIgnoreProperties("final")
  private abstract static class EventFields {}

  private static final class InstantDeserializer extends JsonDeserializer<Instant> {
    @Override
    public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      return Instant.parse(p.getValueAsString());
    }
  }
}
