package io.flinktrickle.connector.trickle.protocol;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class JdkTrickleHttpTest {

    @Test
    void aSharedClientOutlivesItsLastLeaseSoTheNextStreamReusesIt() throws Exception {
        TrickleClientConfig config =
                TrickleClientConfig.builder().connectTimeout(Duration.ofMillis(4321)).build();
        TrickleHttp first = JdkTrickleHttp.shared(config);
        JdkTrickleHttp client = JdkTrickleHttp.clientOf(first);
        assertThat(client).isNotNull();
        first.close();
        TrickleHttp second = JdkTrickleHttp.shared(config);
        try {
            assertThat(JdkTrickleHttp.clientOf(second))
                    .as("a stream that starts right after the last one stopped")
                    .isSameAs(client);
        } finally {
            second.close();
        }
        TrickleHttp other =
                JdkTrickleHttp.shared(
                        TrickleClientConfig.builder()
                                .connectTimeout(Duration.ofMillis(1234))
                                .build());
        try {
            assertThat(JdkTrickleHttp.clientOf(other)).isNotSameAs(client);
        } finally {
            other.close();
        }
    }
}
