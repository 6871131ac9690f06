package io.splitguard.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QueryStringTest {
  @Test
  void findsTheFirstValueOfANameAmongOthers() {
    assertThat(QueryString.first("consistency=stale", "consistency")).isEqualTo("stale");
    assertThat(QueryString.first("a=1&consistency=stale&consistency=linearizable", "consistency"))
        .isEqualTo("stale");
    assertThat(QueryString.first("consistencyx=1&xconsistency=2", "consistency")).isNull();
  }

  @Test
  void absentQueryOrNameIsNullAndANameWithoutValueIsEmpty() {
    assertThat(QueryString.first(null, "consistency")).isNull();
    assertThat(QueryString.first("", "consistency")).isNull();
    assertThat(QueryString.first("other=1", "consistency")).isNull();
    assertThat(QueryString.first("consistency", "consistency")).isEmpty();
    assertThat(QueryString.first("consistency=", "consistency")).isEmpty();
    assertThat(QueryString.first("&&consistency=stale&", "consistency")).isEqualTo("stale");
  }

  @Test
  void decodesNamesAndValuesAsFormParameters() {
    assertThat(QueryString.first("consist%65ncy=st%61le", "consistency")).isEqualTo("stale");
    assertThat(QueryString.first("q=a+b%2Bc", "q")).isEqualTo("a b+c");
    assertThat(QueryString.first("q=a=b", "q")).isEqualTo("a=b");
  }

  @Test
  void aBrokenEscapeIsABadRequestNamingTheQuery() {
    assertThatThrownBy(() -> QueryString.first("consistency=%zz", "consistency"))
        .isInstanceOf(ProblemException.class)
        .hasMessageContaining("query: invalid percent-escape");
  }
}
