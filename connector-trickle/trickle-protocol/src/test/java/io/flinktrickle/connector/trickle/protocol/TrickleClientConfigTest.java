package io.flinktrickle.connector.trickle.protocol;

import io.flinktrickle.connector.trickle.retry.RetryBackoff;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link TrickleClientConfig} and the client builders' validation. */
class TrickleClientConfigTest {

    @Test
    void backoffCapsDoubleUpToTheMaximumAndEachWaitIsJitteredBelowItsCap() {
        TrickleClientConfig c =
                TrickleClientConfig.builder()
                        .initialBackoff(Duration.ofMillis(100))
                        .maxBackoff(Duration.ofMillis(700))
                        .build();
        RetryBackoff b = c.retryBackoff();
        assertThat(b.cap(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(b.cap(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(b.cap(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(b.cap(4)).isEqualTo(Duration.ofMillis(700));
        assertThat(b.cap(60)).isEqualTo(Duration.ofMillis(700));
        for (int failures : new int[] {1, 2, 3, 4, 60}) {
            assertThat(b.delay(failures)).isBetween(b.cap(failures).dividedBy(2), b.cap(failures));
        }
    }

    @Test
    void defaultsMatchTheReferenceClients() {
        TrickleClientConfig c = TrickleClientConfig.defaults();
        assertThat(c.refreshInterval()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.maxAttempts()).isEqualTo(5);
        assertThat(c.insecureSkipVerify()).isFalse();
    }

    @Test
    void invalidSettingsAreRejectedWithTheirName() {
        assertThatThrownBy(() -> TrickleClientConfig.builder().maxAttempts(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxAttempts");
        assertThatThrownBy(
                        () -> TrickleClientConfig.builder().connectTimeout(Duration.ZERO).build())
                .hasMessageContaining("connectTimeout");
        assertThatThrownBy(
                        () ->
                                TrickleClientConfig.builder()
                                        .readIdleTimeout(Duration.ofSeconds(-1))
                                        .build())
                .hasMessageContaining("readIdleTimeout");
        assertThatThrownBy(() -> TrickleClientConfig.builder().uploadBufferBytes(10).build())
                .hasMessageContaining("uploadBufferBytes");
        assertThat(
                        TrickleClientConfig.builder()
                                .readIdleTimeout(Duration.ZERO)
                                .build()
                                .readIdleTimeout())
                .isZero();
    }

    @Test
    void buildersRejectBadUrlsAndSeqs() {
        assertThatThrownBy(() -> TrickleSubscriber.builder(URI.create("ftp://x/ch")).build())
                .hasMessageContaining("http(s)");
        assertThatThrownBy(
                        () ->
                                TrickleSubscriber.builder(URI.create("http://x/ch"))
                                        .startSeq(-3)
                                        .build())
                .hasMessageContaining("-3");
        assertThatThrownBy(
                        () ->
                                TricklePublisher.builder(URI.create("http://x/ch"))
                                        .startSeq(-2)
                                        .build())
                .hasMessageContaining("startSeq");
        assertThatThrownBy(() -> TricklePublisher.builder(null).build())
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("channel URL is required");
    }
}
