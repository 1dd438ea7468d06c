package io.flinktrickle.connector.trickle.protocol;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link StreamingBodyPublisher}. */
class StreamingBodyPublisherTest {

    /** A subscriber that records what it gets and requests on demand. */
    private static final class Recorder implements Flow.Subscriber<ByteBuffer> {
        final List<String> items = new ArrayList<>();
        final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
        volatile boolean completed;
        volatile Throwable error;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription.set(s);
        }

        @Override
        public void onNext(ByteBuffer item) {
            items.add(StandardCharsets.UTF_8.decode(item).toString());
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onComplete() {
            completed = true;
        }
    }

    private static ByteBuffer buf(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void bytesWrittenBeforeTheSubscriberArrivesAreKept() throws IOException {
        StreamingBodyPublisher p = new StreamingBodyPublisher(1024);
        p.write(buf("early-"));
        p.write(buf("bytes"));
        p.complete();
        Recorder r = new Recorder();
        p.subscribe(r);
        assertThat(r.items).isEmpty();
        r.subscription.get().request(Long.MAX_VALUE);
        assertThat(r.items).containsExactly("early-", "bytes");
        assertThat(r.completed).isTrue();
        assertThat(p.takenBytes()).isEqualTo(11);
    }

    @Test
    void itemsFlowOnlyOnDemand() throws IOException {
        StreamingBodyPublisher p = new StreamingBodyPublisher(1024);
        Recorder r = new Recorder();
        p.subscribe(r);
        p.write(buf("a"));
        p.write(buf("b"));
        assertThat(r.items).isEmpty();
        r.subscription.get().request(1);
        assertThat(r.items).containsExactly("a");
        r.subscription.get().request(5);
        assertThat(r.items).containsExactly("a", "b");
        p.complete();
        assertThat(r.completed).isTrue();
    }

    @Test
    void writerBlocksWhileTheQueueIsFull() throws Exception {
        StreamingBodyPublisher p = new StreamingBodyPublisher(4);
        Recorder r = new Recorder();
        p.subscribe(r);
        p.write(buf("1234"));
        CompletableFuture<Void> blocked =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                p.write(buf("5678"));
                            } catch (IOException e) {
                                throw new IllegalStateException(e);
                            }
                        });
        Thread.sleep(200);
        assertThat(blocked).isNotDone();
        r.subscription.get().request(1);
        blocked.get(5, TimeUnit.SECONDS);
        r.subscription.get().request(1);
        assertThat(r.items).containsExactly("1234", "5678");
    }

    @Test
    void cancelMakesWritesFailAndWakesABlockedWriter() throws Exception {
        StreamingBodyPublisher p = new StreamingBodyPublisher(4);
        Recorder r = new Recorder();
        p.subscribe(r);
        p.write(buf("full"));
        CompletableFuture<Void> blocked =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                p.write(buf("more"));
                            } catch (IOException e) {
                                throw new IllegalStateException(e.getMessage(), e);
                            }
                        });
        Thread.sleep(100);
        p.cancel("the server already answered 200");
        assertThatThrownBy(() -> blocked.get(5, TimeUnit.SECONDS))
                .hasMessageContaining("the server already answered 200");
        assertThatThrownBy(() -> p.write(buf("x"))).isInstanceOf(IOException.class);
    }

    @Test
    void abortSignalsTheErrorInsteadOfCompletion() throws IOException {
        StreamingBodyPublisher p = new StreamingBodyPublisher(1024);
        Recorder r = new Recorder();
        p.subscribe(r);
        r.subscription.get().request(10);
        p.write(buf("partial"));
        p.abort(new IOException("gone"));
        assertThat(r.items).containsExactly("partial");
        assertThat(r.error).hasMessage("gone");
        assertThat(r.completed).isFalse();
    }

    /**
     * The JDK 17 client stores its body subscriber only after {@code subscribe} returns; a body
     * that ended inside {@code subscribe} failed its exchange (see the class comment).
     */
    @Test
    void anEmptyBodyEndsAtTheFirstRequestNotInsideSubscribe() {
        StreamingBodyPublisher p = new StreamingBodyPublisher(1024);
        p.complete();
        Recorder r = new Recorder();
        p.subscribe(r);
        assertThat(r.completed).isFalse();
        r.subscription.get().request(1);
        assertThat(r.completed).isTrue();
        assertThat(r.items).isEmpty();
    }

    @Test
    void anAbortBeforeTheFirstRequestIsSignalledAtIt() {
        StreamingBodyPublisher p = new StreamingBodyPublisher(1024);
        p.abort(new IOException("publisher closed"));
        Recorder r = new Recorder();
        p.subscribe(r);
        assertThat(r.error).isNull();
        r.subscription.get().request(1);
        assertThat(r.error).hasMessage("publisher closed");
        assertThat(r.completed).isFalse();
    }

    @Test
    void aSecondSubscriberIsRefused() {
        StreamingBodyPublisher p = new StreamingBodyPublisher(1024);
        p.subscribe(new Recorder());
        Recorder second = new Recorder();
        p.subscribe(second);
        assertThat(second.error).isInstanceOf(IllegalStateException.class);
    }
}
