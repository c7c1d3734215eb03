package dev.nonstop.instance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ArgvTest {
  @Test
  void blanksSeparateWords() {
    assertThat(Argv.split("  ./server   --port {port}\t-v ")).containsExactly("./server", "--port", "{port}", "-v");
  }

  @Test
  void singleQuotesKeepEverything() {
    assertThat(Argv.split("sh -c 'echo $PORT \"x\" \\n; exec sleep 1'"))
        .containsExactly("sh", "-c", "echo $PORT \"x\" \\n; exec sleep 1");
  }

  @Test
  void doubleQuotesKeepBlanksAndTakeEscapes() {
    assertThat(Argv.split("run \"a b\" \"say \\\"hi\\\" \\\\ \\n\" \"\"")).containsExactly("run", "a b", "say \"hi\" \\ \\n", "");
  }

  @Test
  void backslashKeepsTheNextCharacter() {
    assertThat(Argv.split("run a\\ b \\'c")).containsExactly("run", "a b", "'c");
  }

  @Test
  void quotedPartsJoinTheirWord() {
    assertThat(Argv.split("run --name='my app'x")).containsExactly("run", "--name=my appx");
  }

  @Test
  void unterminatedQuoteIsRefused() {
    assertThatThrownBy(() -> Argv.split("run 'abc")).hasMessage("run: run 'abc (expected: a closing ')");
    assertThatThrownBy(() -> Argv.split("run \"abc")).hasMessage("run: run \"abc (expected: a closing \")");
  }

  @Test
  void shellSyntaxIsRefusedWithAHint() {
    assertThatThrownBy(() -> Argv.split("./server --port $PORT"))
        .hasMessageContaining("unexpected '$'").hasMessageContaining("use {port}");
    assertThatThrownBy(() -> Argv.split("./server | tee log")).hasMessageContaining("sh -c 'exec ...'");
    assertThatThrownBy(() -> Argv.split("./server \"$HOME\"")).hasMessageContaining("unexpected '$'");
  }

  @Test
  void emptyCommandIsRefused() {
    assertThatThrownBy(() -> Argv.split("   ")).hasMessageContaining("expected: a command");
  }
}
