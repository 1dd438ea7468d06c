package io.flinktrickle.connector.trickle.testutils;

import io.flinktrickle.connector.trickle.protocol.TrickleHttp;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps a real {@link TrickleHttp} and fails chosen requests the way a broken network does: the
 * next N GETs, POSTs or DELETEs fail with a connection error before reaching the server.
 */
public final class FaultInjectingTrickleHttp implements TrickleHttp {

    private final TrickleHttp delegate;
    private final AtomicInteger failGets = new AtomicInteger();
    private final AtomicInteger failPosts = new AtomicInteger();
    private final AtomicInteger failDeletes = new AtomicInteger();
    private final AtomicInteger gets = new AtomicInteger();
    private final AtomicInteger posts = new AtomicInteger();

    public FaultInjectingTrickleHttp(TrickleHttp delegate) {
        this.delegate = delegate;
    }

    /** The next {@code n} GETs fail with a connection error. */
    public void failNextGets(int n) {
        failGets.set(n);
    }

    /** The next {@code n} POSTs fail with a connection error before any byte is taken. */
    public void failNextPosts(int n) {
        failPosts.set(n);
    }

    /** The next {@code n} DELETEs fail with a connection error. */
    public void failNextDeletes(int n) {
        failDeletes.set(n);
    }

    public int gets() {
        return gets.get();
    }

    public int posts() {
        return posts.get();
    }

    @Override
    public CompletableFuture<Response> get(URI uri, Duration headersTimeout) {
        gets.incrementAndGet();
        if (failGets.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return CompletableFuture.failedFuture(
                    new ConnectException("injected: connection refused"));
        }
        return delegate.get(uri, headersTimeout);
    }

    @Override
    public Upload post(URI uri, Map<String, String> headers) {
        posts.incrementAndGet();
        if (failPosts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new FailedUpload();
        }
        return delegate.post(uri, headers);
    }

    @Override
    public CompletableFuture<Response> delete(URI uri) {
        if (failDeletes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return CompletableFuture.failedFuture(
                    new ConnectException("injected: connection refused"));
        }
        return delegate.delete(uri);
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** An upload whose connection was refused: nothing is ever taken. */
    private static final class FailedUpload implements Upload {
        private final CompletableFuture<Response> response =
                CompletableFuture.failedFuture(
                        new ConnectException("injected: connection refused"));

        @Override
        public void write(ByteBuffer data) throws IOException {
            throw new IOException("request body not accepted: injected connection failure");
        }

        @Override
        public void complete() {}

        @Override
        public void abort(Throwable cause) {}

        @Override
        public CompletableFuture<Response> response() {
            return response;
        }

        @Override
        public long bytesTaken() {
            return 0;
        }
    }
}
