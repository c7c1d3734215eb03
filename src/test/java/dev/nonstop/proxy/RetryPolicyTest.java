package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.proxy.RetryPolicy.Decision;
import dev.nonstop.proxy.RetryPolicy.Failure;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The retry decision, case by case: y marks a fact that holds. */
class RetryPolicyTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      # case                                      |timeout|reused|head|client|interim|hdw|bodyw|kept|retryable|usable|left|gone|decision
      nothing sent, fresh connection               |  |  |  |  |  |  |  |y |  |y |3 |  |RETRY_ANOTHER_BACKEND
      stale pooled connection, GET                 |  |y |  |  |  |y |  |y |y |y |3 |  |RETRY_SAME_BACKEND
      stale pooled connection, nothing written     |  |y |  |  |  |  |  |y |  |y |3 |  |RETRY_SAME_BACKEND
      stale pooled connection, retries used up     |  |y |  |  |  |y |  |y |y |y |0 |  |RETRY_ANOTHER_BACKEND
      stale pooled connection, backend draining    |  |y |  |  |  |y |  |y |y |  |3 |  |RETRY_ANOTHER_BACKEND
      pooled connection that sent a head and died  |  |y |y |  |  |y |  |y |y |y |3 |  |RETRY_ANOTHER_BACKEND
      GET written, backend failed                  |  |  |  |  |  |y |  |y |y |y |3 |  |RETRY_ANOTHER_BACKEND
      POST head written                            |  |  |  |  |  |y |  |y |  |y |3 |  |ANSWER_502
      POST on a stale pooled connection            |  |y |  |  |  |y |  |y |  |y |3 |  |ANSWER_502
      PUT with its body kept                       |  |  |  |  |  |y |y |y |y |y |3 |  |RETRY_ANOTHER_BACKEND
      PUT whose body outgrew the copy              |  |  |  |  |  |y |y |  |y |y |3 |  |ANSWER_502
      after 100 Continue                           |  |  |  |  |y |y |  |y |y |y |3 |  |ANSWER_502
      timeout, GET                                 |y |  |  |  |  |y |  |y |y |y |3 |  |ANSWER_504
      timeout on a pooled connection               |y |y |  |  |  |y |  |y |y |y |3 |  |ANSWER_504
      response bytes reached the client            |  |  |y |y |  |y |  |y |y |y |3 |  |CUT_RESPONSE
      client went away                             |  |  |  |  |  |y |  |y |y |y |3 |y |GIVE_UP
      """)
  void decides(String name, String timeout, String reused, String head, String client,
      String interim, String headWritten, String bodyWritten, String kept, String retryable,
      String usable, int left, String gone, Decision expected) {
    Failure f = new Failure(y(timeout), y(reused), y(head), y(client), y(interim), y(headWritten),
        y(bodyWritten), y(kept), y(retryable), y(usable), left, y(gone));
    assertThat(RetryPolicy.decide(f)).isEqualTo(expected);
  }

  private static boolean y(String s) {
    return "y".equals(s);
  }
}
