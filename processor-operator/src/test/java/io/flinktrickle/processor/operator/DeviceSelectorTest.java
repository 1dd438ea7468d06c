package io.flinktrickle.processor.operator;

import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeviceSelectorTest {

    /** What Flink's GPU driver hands out: one info per GPU with an "index" property. */
    private static ExternalResourceInfo gpu(String index) {
        return new ExternalResourceInfo() {
            @Override
            public Optional<String> getProperty(String key) {
                return "index".equals(key) ? Optional.of(index) : Optional.empty();
            }

            @Override
            public Collection<String> getKeys() {
                return Set.of("index");
            }
        };
    }

    @Test
    void eachSubtaskOfATaskManagerTakesADifferentGpu() {
        List<ExternalResourceInfo> gpus = List.of(gpu("1"), gpu("0"));
        assertThat(DeviceSelector.select(gpus, List.of("cpu"), 0).device).isEqualTo(Device.gpu(0));
        assertThat(DeviceSelector.select(gpus, List.of("cpu"), 1).device).isEqualTo(Device.gpu(1));
        assertThat(DeviceSelector.select(gpus, List.of(), 2).device).isEqualTo(Device.gpu(0));
    }

    @Test
    void fallsBackToConfiguredDevicesThenCpu() {
        assertThat(DeviceSelector.select(List.of(), List.of("gpu:2", "cpu"), 0).device)
                .isEqualTo(Device.gpu(2));
        assertThat(DeviceSelector.select(List.of(), List.of("gpu:2", "cpu"), 1).device)
                .isEqualTo(Device.cpu());
        assertThat(DeviceSelector.select(List.of(), List.of(), 5).device).isEqualTo(Device.cpu());
    }

    @Test
    void parsesDeviceNames() {
        assertThat(DeviceSelector.parse("cuda:3")).isEqualTo(Device.gpu(3));
        assertThat(DeviceSelector.parse("GPU1")).isEqualTo(Device.gpu(1));
        assertThat(DeviceSelector.describe(Device.gpu(1))).isEqualTo("gpu:1");
        assertThatThrownBy(() -> DeviceSelector.parse("tpu:0"))
                .hasMessageContaining("cpu, gpu, gpu:N or cuda:N");
    }
}
