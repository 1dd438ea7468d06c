package io.flinktrickle.connector.trickle.source;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link StreamAnnouncement}. */
class StreamAnnouncementTest {

    @Test
    void jsonRoundTripKeepsChannelsStartsAndAttributes() {
        StreamAnnouncement a =
                StreamAnnouncement.builder("cam-1", URI.create("http://o:1/ai/trickle/cam"))
                        .channel("control", URI.create("http://o:1/ai/trickle/cam-control"))
                        .channel("params", URI.create("http://s:2/cam-params"))
                        .start("params", 0)
                        .attribute("width", "256")
                        .attribute("params", "{\"a\":[1,2]}")
                        .build();
        StreamAnnouncement back = StreamAnnouncement.fromJson(a.toJson());
        assertThat(back).isEqualTo(a);
        assertThat(back.channels().keySet()).containsExactly("main", "control", "params");
        assertThat(back.start("params").seq()).isZero();
        assertThat(back.start("control")).isNull();
        assertThat(back.attributes()).containsEntry("params", "{\"a\":[1,2]}");
    }

    @Test
    void keysAreSaltedAndTheIdComesBack() {
        assertThat(StreamAnnouncement.keyFor("abc", 0)).isEqualTo("abc");
        assertThat(StreamAnnouncement.keyFor("abc", 3)).isEqualTo("abc~3");
        assertThat(StreamAnnouncement.idOf("abc~3")).isEqualTo("abc");
        assertThat(StreamAnnouncement.idOf("abc")).isEqualTo("abc");
    }

    @Test
    void badAnnouncementsAreRefusedWithTheReason() {
        URI main = URI.create("http://o/x");
        assertThatThrownBy(() -> StreamAnnouncement.builder("a#b", main).build())
                .hasMessageContaining("stream id");
        assertThatThrownBy(() -> StreamAnnouncement.builder("a~1", main).build())
                .hasMessageContaining("stream id");
        assertThatThrownBy(() -> StreamAnnouncement.builder("a", URI.create("ftp://o/x")).build())
                .hasMessageContaining("http(s)");
        assertThatThrownBy(() -> StreamAnnouncement.builder("a", main).start("params", 0).build())
                .hasMessageContaining("start of role params");
        assertThatThrownBy(
                        () ->
                                StreamAnnouncement.builder("a", main)
                                        .attribute(StreamAnnouncement.ID_ATTRIBUTE, "x")
                                        .build())
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> StreamAnnouncement.fromJson("{\"op\":\"stop\"}"))
                .hasMessageContaining("not a start announcement");
        assertThatThrownBy(() -> StreamAnnouncement.fromJson("{\"op\":\"start\",\"stream\":\"a\"}"))
                .hasMessageContaining("\"main\"");
        assertThatThrownBy(() -> StreamAnnouncement.fromJson("[1"))
                .hasMessageContaining("not JSON");
        assertThatThrownBy(
                        () ->
                                StreamAnnouncement.fromJson(
                                        "{\"op\":\"start\",\"stream\":\"a\",\"channels\":"
                                                + "{\"main\":\"http://o/a\"},\"attributes\":"
                                                + "{\"x\":{\"nested\":1}}}"))
                .hasMessageContaining("attribute x");
    }
}
