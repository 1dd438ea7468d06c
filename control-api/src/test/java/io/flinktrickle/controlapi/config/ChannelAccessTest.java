package io.flinktrickle.controlapi.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ChannelAccess}: loopback and a fresh secret for the embedded MiniCluster; for a remote
 * cluster the advertised address (a clear error when it is not this machine's) and a secret kept in
 * an owner-only file that a restart reads again.
 */
class ChannelAccessTest {
    @TempDir Path dir;

    @Test
    void embeddedChannelsAreOnLoopbackWithAFreshSecret() {
        SidecarConfig config = SidecarConfig.builder().build();
        ChannelAccess a = ChannelAccess.of(config);
        ChannelAccess b = ChannelAccess.of(config);
        assertThat(a.bindHost()).isEqualTo("127.0.0.1");
        assertThat(a.secret()).hasSize(43).isNotEqualTo(b.secret());
        assertThat(a.secretIsNew()).isTrue();
        assertThat(a.toString()).doesNotContain(a.secret());
        assertThat(a.tokenFor(a.localBase(2940)).appliesTo(URI.create("http://127.0.0.1:2940/x")))
                .isTrue();
    }

    @Test
    void aRemoteSidecarKeepsItsSecretInAnOwnerOnlyFile() throws Exception {
        Path file = dir.resolve("state/secret");
        SidecarConfig config = remote("localhost").trickleSecretFile(file).build();
        ChannelAccess first = ChannelAccess.of(config);
        assertThat(first.bindHost()).isEqualTo("127.0.0.1");
        assertThat(first.secretIsNew()).isTrue();
        assertThat(Files.readString(file).strip()).isEqualTo(first.secret());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        ChannelAccess restarted = ChannelAccess.of(config);
        assertThat(restarted.secret()).isEqualTo(first.secret());
        assertThat(restarted.secretIsNew()).isFalse();

        Files.writeString(file, "short\n");
        assertThatThrownBy(() -> ChannelAccess.of(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TRICKLE_SECRET_FILE " + file)
                .hasMessageContaining("22 to 512 characters")
                .hasMessageNotContaining("short");
    }

    @Test
    void theAdvertisedHostMustBeAnAddressOfThisMachine() {
        SidecarConfig config =
                remote("192.0.2.254").trickleSecretFile(dir.resolve("secret")).build();
        assertThatThrownBy(() -> ChannelAccess.of(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ADVERTISED_HOST 192.0.2.254")
                .hasMessageContaining("is not an address of this machine");
        assertThat(Files.exists(dir.resolve("secret"))).as("nothing written").isFalse();
        assertThatThrownBy(() -> ChannelAccess.of(remote("no-such-host.invalid").build()))
                .hasMessageContaining("ADVERTISED_HOST no-such-host.invalid does not resolve");
    }

    private SidecarConfigBuilder remote(String advertised) {
        try {
            Path jar = Files.createTempFile(dir, "job", ".jar");
            return SidecarConfig.builder()
                    .flinkRestUrl(URI.create("http://127.0.0.1:8081"))
                    .jobJar(jar)
                    .advertisedHost(advertised);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
