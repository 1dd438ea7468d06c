package io.flinktrickle.processor.params;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PyTrickle's params rules (docs/livepeer-contract.md §b). */
class StreamParamsTest {

    @Test
    void widthAndHeightTogetherAsPositiveIntegersIntegerStringsAccepted() {
        Map<String, Object> p =
                StreamParams.parseAndValidate(
                        "{\"width\":\"256\",\"height\":256,\"foo\":\"bar\",\"max_framerate\":15}");
        assertThat(p)
                .containsEntry("width", 256)
                .containsEntry("height", 256)
                .containsEntry("max_framerate", 15)
                .containsEntry("foo", "bar");
        assertThatThrownBy(() -> StreamParams.parseAndValidate("{\"width\":256}"))
                .isInstanceOf(InvalidParamsException.class)
                .hasMessageContaining("together");
        assertThatThrownBy(() -> StreamParams.parseAndValidate("{\"width\":0,\"height\":5}"))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> StreamParams.parseAndValidate("{\"width\":1.5,\"height\":5}"))
                .hasMessageContaining("integer");
        assertThatThrownBy(() -> StreamParams.parseAndValidate("{\"width\":\"x\",\"height\":5}"))
                .hasMessageContaining("\"x\"");
    }

    @Test
    void maxFramerateFrom1To60() {
        assertThat(StreamParams.parseAndValidate("{\"max_framerate\":60}"))
                .containsEntry("max_framerate", 60);
        assertThat(StreamParams.parseAndValidate("{\"max_framerate\":\"1\"}"))
                .containsEntry("max_framerate", 1);
        assertThatThrownBy(() -> StreamParams.parseAndValidate("{\"max_framerate\":61}"))
                .hasMessageContaining("between 1 and 60");
        assertThatThrownBy(() -> StreamParams.parseAndValidate("{\"max_framerate\":0}"))
                .hasMessageContaining("but is 0");
        assertThatThrownBy(() -> StreamParams.parseAndValidate("{\"max_framerate\":null}"))
                .hasMessageContaining("integer");
    }

    @Test
    void booleanishDetectOutResolution() {
        for (String yes : new String[] {"true", "\"true\"", "\"1\"", "\"YES\"", "1"}) {
            assertThat(StreamParams.parseAndValidate("{\"detect_out_resolution\":" + yes + "}"))
                    .containsEntry("detect_out_resolution", true);
        }
        for (String no : new String[] {"false", "\"false\"", "\"0\"", "\"no\"", "0"}) {
            assertThat(StreamParams.parseAndValidate("{\"detect_out_resolution\":" + no + "}"))
                    .containsEntry("detect_out_resolution", false);
        }
        assertThatThrownBy(
                        () ->
                                StreamParams.parseAndValidate(
                                        "{\"detect_out_resolution\":\"maybe\"}"))
                .hasMessageContaining("boolean");
    }

    @Test
    void onlyJsonObjects() {
        assertThatThrownBy(() -> StreamParams.parse("not json"))
                .isInstanceOf(InvalidParamsException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> StreamParams.parse("[1,2]")).hasMessageContaining("array");
        assertThatThrownBy(() -> StreamParams.parse("")).hasMessageContaining("empty");
        assertThat(StreamParams.isKeepAlive(StreamParams.parse("{\"keep\":\"alive\"}"))).isTrue();
        assertThat(StreamParams.isKeepAlive(StreamParams.parse("{\"keep\":\"alive\",\"a\":1}")))
                .isFalse();
    }

    @Test
    void mergeKeepsEarlierKeysAndTakesTheLatestValues() {
        Map<String, Object> merged =
                StreamParams.merge(Map.of("a", 1, "b", 2), Map.of("b", 3, "c", 4));
        assertThat(merged).containsEntry("a", 1).containsEntry("b", 3).containsEntry("c", 4);
        assertThat(StreamParams.parse(StreamParams.toJson(merged))).isEqualTo(merged);
    }
}
