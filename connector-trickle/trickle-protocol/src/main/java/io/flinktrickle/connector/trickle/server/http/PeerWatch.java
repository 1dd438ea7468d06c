package io.flinktrickle.connector.trickle.server.http;

import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/**
 * Tells whether the client of a request that reads no body (a long-poll GET) has gone away.
 *
 * <p>Jetty reads a connection only while a request body is demanded, so a handler that waits for a
 * segment to start would not notice its client closing, and an abandoned long-poll would hold its
 * thread until the segment starts (a subscriber re-issues its GET every 20 s, so an idle channel
 * would collect them). Go's server notices by reading in the background; here the watch registers
 * read interest on the idle connection itself: a readable end of stream means the client left.
 * Bytes read this way (a pipelined request, which no trickle client sends) cannot be handed back to
 * Jetty's parser, so the connection is then closed after the response ({@link #consumedBytes()}).
 * The interest is withdrawn by {@link #stop()} before the response completes, when Jetty registers
 * its own.
 *
 * <p>Threads: {@link #isPeerGone()} and {@link #stop()} on the handler's thread; the interest
 * callback runs on a selector thread and only sets a flag.
 */
final class PeerWatch implements Callback {

    private final EndPoint endPoint;
    private volatile boolean registered;
    private volatile boolean readable;
    private volatile boolean failed;
    private boolean consumedBytes;

    PeerWatch(EndPoint endPoint) {
        this.endPoint = endPoint;
    }

    boolean isPeerGone() {
        if (!endPoint.isOpen() || failed) {
            return true;
        }
        if (readable) {
            readable = false;
            ByteBuffer probe = BufferUtil.allocate(1);
            try {
                int n = endPoint.fill(probe);
                if (n < 0) {
                    return true;
                }
                if (n > 0) {
                    consumedBytes = true; // a pipelined request: not watched any further
                    return false;
                }
            } catch (IOException e) {
                return true;
            }
        }
        if (!registered && !consumedBytes) {
            registered = true;
            if (!endPoint.tryFillInterested(this)) {
                registered = false; // someone else reads this connection: nothing to watch
            }
        }
        return false;
    }

    /** Whether bytes of a next request were consumed, so the connection must close. */
    boolean consumedBytes() {
        return consumedBytes;
    }

    /** Withdraws the read interest; call before the response completes. */
    void stop() {
        if (registered && endPoint instanceof AbstractEndPoint) {
            ((AbstractEndPoint) endPoint)
                    .getFillInterest()
                    .onFail(new CancellationException("long poll over"));
        }
    }

    @Override
    public void succeeded() {
        registered = false;
        readable = true;
    }

    @Override
    public void failed(Throwable x) {
        registered = false;
        // Withdrawn by stop(), or the connection's idle timeout (which fails read interest first):
        // neither says the client left; a timeout only makes the next check register again.
        if (!(x instanceof CancellationException) && !(x instanceof TimeoutException)) {
            failed = true;
        }
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }
}
