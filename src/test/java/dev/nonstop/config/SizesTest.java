package dev.nonstop.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizesTest {
  @Test
  void readsBytesAndEachUnitAsPowersOf1024() {
    assertThat(Sizes.parse("0")).isZero();
    assertThat(Sizes.parse("65536")).isEqualTo(65536);
    assertThat(Sizes.parse("512KiB")).isEqualTo(512L * 1024);
    assertThat(Sizes.parse("100MiB")).isEqualTo(100L * 1024 * 1024);
    assertThat(Sizes.parse("3GiB")).isEqualTo(3L * 1024 * 1024 * 1024);
  }

  @Test
  void refusesDecimalLookingUnitsAndNamesTheOneTaken() {
    assertThatThrownBy(() -> Sizes.parse("100MB"))
        .hasMessage("100MiB; MB is ambiguous (1000s or 1024s?), so sizes take KiB, MiB or GiB, powers of 1024");
    assertThatThrownBy(() -> Sizes.parse("512k"))
        .hasMessage("512KiB; k is ambiguous (1000s or 1024s?), so sizes take KiB, MiB or GiB, powers of 1024");
    assertThatThrownBy(() -> Sizes.parse("1gb")).hasMessageStartingWith("1GiB; gb is ambiguous");
  }

  @Test
  void refusesAMisspelledBinaryUnitWithItsSpelling() {
    assertThatThrownBy(() -> Sizes.parse("100 MiB")).hasMessage("100MiB, spelled so: a whole number, then KiB, MiB or GiB");
    assertThatThrownBy(() -> Sizes.parse("100mib")).hasMessageStartingWith("100MiB, spelled so");
  }

  @Test
  void refusesNegativeFractionalAndUnknownSizes() {
    for (String bad : new String[] {"-1", "-1MiB", "1.5GiB", "MiB", "", "1TiB", "10B", "1e6", "ten"}) {
      assertThatThrownBy(() -> Sizes.parse(bad)).as(bad).hasMessage(Sizes.EXPECTED);
    }
  }

  @Test
  void refusesAnOverflow() {
    assertThatThrownBy(() -> Sizes.parse("9999999999GiB")).hasMessage("a smaller size");
    assertThatThrownBy(() -> Sizes.parse("99999999999999999999")).hasMessage("a smaller size");
    assertThatThrownBy(() -> Sizes.parseInt("2GiB")).hasMessage("a size below 2GiB");
    assertThat(Sizes.parseInt("1GiB")).isEqualTo(1 << 30);
  }
}
