package io.flinktrickle.controlapi.config;

import io.flinktrickle.connector.trickle.protocol.AccessToken;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * Who may reach the sidecar's own trickle server, and where it listens: the address it binds and
 * the secret every request must carry ({@code Authorization: Bearer}).
 *
 * <ul>
 *   <li>Embedded MiniCluster: loopback only ({@code 127.0.0.1}); a new random secret at every start
 *       (the jobs end with the sidecar). The jobs are in this JVM, so the secret costs nothing and
 *       keeps other local processes (any user of the host, a container sharing its network) from
 *       writing a stream's params or deleting its channels.
 *   <li>Remote cluster: {@code ADVERTISED_HOST} resolved to an address of this machine, and only
 *       that one (startup error otherwise); the secret from {@code TRICKLE_SECRET_FILE} (default
 *       {@code ~/.flink-trickle/sidecar-<advertised host>-<trickle port>.secret}), created with a
 *       new random secret (256 bits from {@link SecureRandom}, owner-only {@code 0600}) when the
 *       file does not exist. Jobs outlive a sidecar and keep the secret they were given: a
 *       restarted sidecar must find the same file to serve the jobs it adopts ({@link
 *       #secretIsNew()} says when it cannot).
 * </ul>
 *
 * <p>The secret is never logged; {@link #toString()} does not show it. Immutable; built on the
 * sidecar's launch thread.
 */
@Internal
public final class ChannelAccess {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelAccess.class);

    /** Bytes of a generated secret: 256 bits (43 base64url characters). */
    static final int SECRET_BYTES = 32;

    private static final String LOOPBACK = "127.0.0.1";
    private static final Set<PosixFilePermission> OWNER_ONLY =
            PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
            PosixFilePermissions.fromString("rwx------");

    private final String bindHost;
    private final String secret;
    private final boolean secretIsNew;
    private final Path secretFile;

    private ChannelAccess(String bindHost, String secret, boolean secretIsNew, Path secretFile) {
        this.bindHost = bindHost;
        this.secret = secret;
        this.secretIsNew = secretIsNew;
        this.secretFile = secretFile;
    }

    /**
     * The access of {@code config}'s sidecar.
     *
     * @throws IllegalArgumentException when {@code ADVERTISED_HOST} is not an address of this
     *     machine (remote), or the secret file cannot be read or written or holds no valid secret
     */
    public static ChannelAccess of(SidecarConfig config) {
        if (!config.isRemote()) {
            return new ChannelAccess(LOOPBACK, newSecret(), true, null);
        }
        String bind = localAddress(config.advertisedHost).getHostAddress();
        Path file = secretFile(config);
        try {
            if (Files.exists(file)) {
                return new ChannelAccess(bind, read(file), false, file);
            }
            String secret = newSecret();
            write(file, secret);
            LOG.info("New channel secret written to {} (owner-only)", file);
            return new ChannelAccess(bind, secret, true, file);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "TRICKLE_SECRET_FILE " + file + " cannot be used: " + e, e);
        }
    }

    /** The literal address the sidecar's trickle server binds (IPv6 without brackets). */
    public String bindHost() {
        return bindHost;
    }

    /** {@code http://<bind address>:port/}: the server as the sidecar itself reaches it. */
    public URI localBase(int port) {
        String host = bindHost.contains(":") ? "[" + bindHost + "]" : bindHost;
        return URI.create("http://" + host + ":" + port + "/");
    }

    /** The secret, for the server's builder and the jobs' arguments only: never log it. */
    public String secret() {
        return secret;
    }

    /** The secret as a token for the server at {@code server} (which URLs carry it). */
    public AccessToken tokenFor(URI server) {
        return AccessToken.forServer(server, secret);
    }

    /**
     * Whether the secret was made at this start: jobs a previous sidecar left running hold another
     * one (or none) and cannot reach this sidecar's channels, so they are not adopted.
     */
    public boolean secretIsNew() {
        return secretIsNew;
    }

    @Override
    public String toString() {
        return "ChannelAccess[bind="
                + bindHost
                + ", secret "
                + (secretFile == null ? "in memory" : "from " + secretFile)
                + "]";
    }

    /**
     * The address of this machine that {@code host} names: the first of its addresses that a local
     * interface has (loopback counts: a cluster on this host).
     *
     * @throws IllegalArgumentException when it names none
     */
    static InetAddress localAddress(String host) {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(
                    "ADVERTISED_HOST " + host + " does not resolve: " + e.getMessage(), e);
        }
        for (InetAddress a : all) {
            try {
                if (!a.isAnyLocalAddress()
                        && (a.isLoopbackAddress()
                                || NetworkInterface.getByInetAddress(a) != null)) {
                    return a;
                }
            } catch (SocketException e) {
                // this one cannot be checked: try the next
            }
        }
        throw new IllegalArgumentException(
                "ADVERTISED_HOST "
                        + host
                        + " ("
                        + java.util.Arrays.toString(all)
                        + ") is not an address of this machine: with a remote cluster the"
                        + " sidecar's trickle server listens on the advertised interface only, so"
                        + " ADVERTISED_HOST must name an address of this host that the"
                        + " TaskManagers and the JobManager reach");
    }

    private static Path secretFile(SidecarConfig config) {
        if (config.trickleSecretFile != null) {
            return config.trickleSecretFile;
        }
        return Path.of(
                System.getProperty("user.home"),
                ".flink-trickle",
                "sidecar-" + config.advertisedHost + "-" + config.tricklePort + ".secret");
    }

    private static String read(Path file) throws IOException {
        String secret = Files.readString(file, StandardCharsets.US_ASCII).strip();
        try {
            AccessToken.check(secret);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "TRICKLE_SECRET_FILE " + file + ": " + e.getMessage(), e);
        }
        if (isPosix() && !OWNER_ONLY.containsAll(Files.getPosixFilePermissions(file))) {
            LOG.warn("{} can be read by others than its owner: chmod 600 it", file);
        }
        return secret;
    }

    /** Writes atomically (a temporary file, owner-only from its creation, then moved). */
    private static void write(Path file, String secret) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            if (isPosix()) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            } else {
                Files.createDirectories(dir);
            }
        }
        Path tmp =
                isPosix()
                        ? Files.createTempFile(
                                dir,
                                ".secret",
                                ".tmp",
                                PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                        : Files.createTempFile(dir, ".secret", ".tmp");
        try {
            Files.writeString(tmp, secret + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean isPosix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    private static String newSecret() {
        byte[] bytes = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
