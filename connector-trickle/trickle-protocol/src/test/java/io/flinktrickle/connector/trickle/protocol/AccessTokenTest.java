package io.flinktrickle.connector.trickle.protocol;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link AccessToken}: scoped to one server, hidden, checked. */
class AccessTokenTest {
    private static final String TOKEN = "Qw3rTy5UiOp7AsDfGhJkL9_zXcVbNm-12";

    @Test
    void appliesToItsServerOnly() {
        AccessToken t = AccessToken.forServer(URI.create("http://Sidecar:2940"), TOKEN);
        assertThat(t.server()).isEqualTo(URI.create("http://sidecar:2940/"));
        assertThat(t.appliesTo(URI.create("http://sidecar:2940/abc-params/0"))).isTrue();
        assertThat(t.appliesTo(URI.create("http://SIDECAR:2940/runner-1-streams"))).isTrue();
        assertThat(t.appliesTo(URI.create("http://sidecar:2941/abc-params"))).isFalse();
        assertThat(t.appliesTo(URI.create("https://sidecar:2940/abc-params"))).isFalse();
        assertThat(t.appliesTo(URI.create("http://orchestrator:2940/abc-params"))).isFalse();
        assertThat(t.appliesTo(URI.create("http://sidecar/abc-params"))).isFalse();
        AccessToken under = AccessToken.forServer(URI.create("http://o:8935/ai/trickle"), TOKEN);
        assertThat(under.appliesTo(URI.create("http://o:8935/ai/trickle/abc/3"))).isTrue();
        assertThat(under.appliesTo(URI.create("http://o:8935/ai/trickle"))).isTrue();
        assertThat(under.appliesTo(URI.create("http://o:8935/ai/trickles/abc"))).isFalse();
        assertThat(under.appliesTo(URI.create("http://o:8935/other/abc"))).isFalse();
    }

    @Test
    void theTokenIsNeverPrinted() {
        AccessToken t = AccessToken.forServer(URI.create("http://127.0.0.1:2940/"), TOKEN);
        assertThat(t.toString()).doesNotContain(TOKEN).contains("127.0.0.1:2940");
        TrickleClientConfig config = TrickleClientConfig.builder().accessToken(t).build();
        assertThat(config.toString()).doesNotContain(TOKEN);
        assertThat(config).isEqualTo(config.toBuilder().build());
        assertThat(config).isNotEqualTo(TrickleClientConfig.defaults());
        assertThat(config)
                .isNotEqualTo(
                        TrickleClientConfig.builder()
                                .accessToken(
                                        AccessToken.forServer(
                                                URI.create("http://127.0.0.1:2940/"),
                                                TOKEN.replace('Q', 'q')))
                                .build());
        assertThatThrownBy(() -> AccessToken.forServer(URI.create("ftp://h/"), TOKEN))
                .hasMessageNotContaining(TOKEN);
    }

    @Test
    void matchesOnlyTheBearerToken() {
        byte[] token = TOKEN.getBytes(StandardCharsets.US_ASCII);
        assertThat(AccessToken.matches(token, "Bearer " + TOKEN)).isTrue();
        assertThat(AccessToken.matches(token, "bearer  " + TOKEN)).isTrue();
        assertThat(AccessToken.matches(token, null)).isFalse();
        assertThat(AccessToken.matches(token, TOKEN)).isFalse();
        assertThat(AccessToken.matches(token, "Basic " + TOKEN)).isFalse();
        assertThat(AccessToken.matches(token, "Bearer " + TOKEN + "x")).isFalse();
        assertThat(AccessToken.matches(token, "Bearer " + TOKEN.substring(1))).isFalse();
        assertThat(AccessToken.matches(token, "Bearer")).isFalse();
    }
}
