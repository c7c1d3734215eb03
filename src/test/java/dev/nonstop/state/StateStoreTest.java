package dev.nonstop.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
  record Deploy(String version, long startedMillis, boolean ok) {}

  record History(String app, List<Deploy> deploys) {}

  @TempDir Path dir;

  @Test
  void loadIsEmptyBeforeTheFirstSave() {
    assertThat(new StateStore<>(dir.resolve("state.json"), History.class).load()).isEmpty();
  }

  @Test
  void savedRecordWithAListComesBackEqual() {
    StateStore<History> store = new StateStore<>(dir.resolve("nested/.nonstop/state.json"), History.class);
    History history = new History("hello", List.of(new Deploy("v1", 1000L, true), new Deploy("v2", 2000L, false)));

    store.save(history);

    assertThat(store.load()).contains(history);
    assertThat(new StateStore<>(store.file(), History.class).load()).contains(history);
  }

  @Test
  void saveReplacesThePreviousDocumentAndLeavesNoTempFile() throws Exception {
    StateStore<History> store = new StateStore<>(dir.resolve("state.json"), History.class);
    store.save(new History("hello", List.of()));
    History second = new History("hello", List.of(new Deploy("v1", 1L, true)));

    store.save(second);

    assertThat(store.load()).contains(second);
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(dir.resolve("state.json"));
    }
  }

  @Test
  void interruptedSaveLeavesTheOldDocument() throws Exception {
    StateStore<History> store = new StateStore<>(dir.resolve("state.json"), History.class);
    History old = new History("hello", List.of(new Deploy("v1", 1L, true)));
    store.save(old);
    // what a crash between writing the temp file and renaming it leaves behind
    Files.writeString(dir.resolve(".state.json.123.tmp"), "{\"app\":\"hal");

    assertThat(store.load()).contains(old);
    History next = new History("hello", List.of());
    store.save(next);
    assertThat(store.load()).contains(next);
  }

  @Test
  void corruptFileIsReportedWithItsNameAndKept() throws Exception {
    Path file = dir.resolve("state.json");
    Files.writeString(file, "{\"app\": \"hel");
    StateStore<History> store = new StateStore<>(file, History.class);

    assertThatThrownBy(store::load)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("corrupt");
    assertThat(Files.readString(file)).isEqualTo("{\"app\": \"hel");
  }

  @Test
  void unknownFieldsAreIgnoredSoANewerVersionCanAddSome() throws Exception {
    Path file = dir.resolve("state.json");
    Files.writeString(file, "{\"app\":\"hello\",\"deploys\":[],\"added\":1}");

    assertThat(new StateStore<>(file, History.class).load()).contains(new History("hello", List.of()));
  }
}
