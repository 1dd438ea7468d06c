package io.flinktrickle.connector.trickle.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A single-subscriber {@link Flow.Publisher} that the JDK {@code HttpClient} reads a request body
 * from, while the producer writes it with a blocking call.
 *
 * <p>Why not {@code SubmissionPublisher}: it drops items submitted before the HTTP client has
 * subscribed (which happens only once the connection is up), so the first bytes of a segment
 * written right after opening the POST would be lost. This publisher queues them, bounded in bytes
 * (the producer blocks when the queue is full: backpressure, bounded memory).
 *
 * <p>Threads: the producer calls {@link #write}, {@link #complete} and {@link #abort}; the HTTP
 * client's threads call {@code request} and {@code cancel}. Signals to the subscriber are
 * serialized through a drain loop and never sent while holding the lock.
 *
 * <p>The end of the body ({@code onComplete}, {@code onError}) is signalled only once the
 * subscriber has requested: never from inside {@code subscribe}. Reactive Streams allows it there,
 * but the JDK 17 client subscribes before it stores its body subscriber, and a body that ends
 * during {@code subscribe} makes its writer call {@code request} on that still unset field: the
 * exchange fails with a {@code NullPointerException} in {@code Http1Exchange.requestMoreBody} and
 * the request never completes (seen for a preconnected POST completed empty on a fresh connection,
 * about 1 in 50).
 */
final class StreamingBodyPublisher implements Flow.Publisher<ByteBuffer> {

    private final long maxQueuedBytes;
    private final long stallNanos;
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private final AtomicInteger wip = new AtomicInteger();
    private Flow.Subscriber<? super ByteBuffer> subscriber;
    private long demand;

    /** Whether the subscriber has requested at all: the end of the body waits for it. */
    private boolean requested;

    private long queuedBytes;
    private long takenBytes;
    private boolean completed;
    private boolean terminated;
    private Throwable failure;
    private String cancelReason;

    StreamingBodyPublisher(long maxQueuedBytes) {
        this(maxQueuedBytes, 0);
    }

    /**
     * @param stallMillis a write that finds the queue full fails once the HTTP client has taken no
     *     byte for this long (the connection is stuck); 0 waits without limit
     */
    StreamingBodyPublisher(long maxQueuedBytes, long stallMillis) {
        this.maxQueuedBytes = maxQueuedBytes;
        this.stallNanos = stallMillis * 1_000_000L;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
        synchronized (this) {
            if (subscriber != null) {
                // The JDK client re-subscribes only on retries, which trickle never asks for.
                s.onSubscribe(
                        new Flow.Subscription() {
                            @Override
                            public void request(long n) {}

                            @Override
                            public void cancel() {}
                        });
                s.onError(new IllegalStateException("a segment body can be sent only once"));
                return;
            }
            subscriber = s;
        }
        s.onSubscribe(
                new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                        synchronized (StreamingBodyPublisher.this) {
                            demand = n <= 0 || demand + n < 0 ? Long.MAX_VALUE : demand + n;
                            requested = true;
                        }
                        drain();
                    }

                    @Override
                    public void cancel() {
                        StreamingBodyPublisher.this.cancel(
                                "the HTTP client stopped reading the request body");
                    }
                });
        drain();
    }

    /** Queues bytes; blocks while more than the bound is queued. */
    void write(ByteBuffer data) throws IOException {
        synchronized (this) {
            while (true) {
                if (cancelReason != null) {
                    throw new IOException("request body not accepted: " + cancelReason);
                }
                if (completed || failure != null) {
                    throw new IllegalStateException("body already ended");
                }
                if (queuedBytes < maxQueuedBytes) {
                    break;
                }
                long takenBefore = takenBytes;
                try {
                    if (stallNanos == 0) {
                        wait();
                    } else {
                        long deadline = System.nanoTime() + stallNanos;
                        while (takenBytes == takenBefore
                                && queuedBytes >= maxQueuedBytes
                                && cancelReason == null
                                && failure == null) {
                            long left = deadline - System.nanoTime();
                            if (left <= 0) {
                                throw new IOException(
                                        "upload stalled: the connection took no byte for "
                                                + stallNanos / 1_000_000
                                                + " ms");
                            }
                            wait(Math.max(1, left / 1_000_000));
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while writing");
                }
            }
            queue.add(data);
            queuedBytes += data.remaining();
        }
        drain();
    }

    void complete() {
        synchronized (this) {
            if (completed || failure != null) {
                return;
            }
            completed = true;
        }
        drain();
    }

    void abort(Throwable cause) {
        synchronized (this) {
            if (failure != null || terminated) {
                return;
            }
            failure = cause;
            queue.clear();
            queuedBytes = 0;
            notifyAll();
        }
        drain();
    }

    /** Makes later writes fail (the server answered, or the exchange failed). */
    synchronized void cancel(String reason) {
        if (cancelReason == null) {
            cancelReason = reason;
        }
        queue.clear();
        queuedBytes = 0;
        notifyAll();
    }

    synchronized long takenBytes() {
        return takenBytes;
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            while (true) {
                ByteBuffer item = null;
                Flow.Subscriber<? super ByteBuffer> s;
                Throwable error = null;
                boolean complete = false;
                synchronized (this) {
                    s = subscriber;
                    if (s == null || terminated) {
                        break;
                    }
                    if (failure != null) {
                        if (!requested) {
                            break; // see the class comment
                        }
                        terminated = true;
                        error = failure;
                    } else if (cancelReason != null) {
                        break;
                    } else if (!queue.isEmpty() && demand > 0) {
                        item = queue.poll();
                        demand--;
                        queuedBytes -= item.remaining();
                        takenBytes += item.remaining();
                        notifyAll();
                    } else if (queue.isEmpty() && completed && requested) {
                        terminated = true;
                        complete = true;
                    } else {
                        break;
                    }
                }
                if (error != null) {
                    s.onError(error);
                } else if (complete) {
                    s.onComplete();
                } else {
                    s.onNext(item);
                }
            }
        } while (wip.decrementAndGet() != 0);
    }
}
