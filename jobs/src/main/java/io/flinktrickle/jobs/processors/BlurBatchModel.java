package io.flinktrickle.jobs.processors;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.BatchFrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.tensor.FrameTensors;

import org.apache.flink.annotation.PublicEvolving;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link BlurModel} on whole batches ({@link BatchFrameProcessor}): the operator hands it the video
 * frames of several streams at once, and the frames of one size go through the model in one call,
 * as one {@code [N, 3, H, W]} tensor built without a tensor per frame ({@link
 * FrameTensors#toBatchNchwTensor}) and read back whole ({@link FrameTensors#toFramesFromNchw}). A
 * single frame (e.g. a harness's {@code processVideo}) takes {@link BlurModel}'s own path. Every
 * call runs on the slot's processor thread.
 */
@PublicEvolving
public class BlurBatchModel extends BlurModel implements BatchFrameProcessor {
    private static final long serialVersionUID = 1L;

    @Override
    public List<VideoFrame> processBatch(List<VideoFrame> frames, List<ProcessorContext> contexts) {
        VideoFrame[] out = new VideoFrame[frames.size()];
        for (List<Integer> sameSize : bySize(frames).values()) {
            List<VideoFrame> group = new ArrayList<>(sameSize.size());
            for (int i : sameSize) {
                group.add(frames.get(i));
            }
            try (NDManager m = contexts.get(0).ndManager().newSubManager()) {
                NDArray blurred = run(FrameTensors.toBatchNchwTensor(group, m), m);
                List<VideoFrame> back = FrameTensors.toFramesFromNchw(group, blurred);
                for (int j = 0; j < sameSize.size(); j++) {
                    out[sameSize.get(j)] = back.get(j);
                }
            }
        }
        return Arrays.asList(out);
    }

    /** The batch's frame indexes by frame size, in order (streams may differ in size). */
    private static Map<Long, List<Integer>> bySize(List<VideoFrame> frames) {
        Map<Long, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < frames.size(); i++) {
            VideoFrame f = frames.get(i);
            long size = ((long) f.width() << Integer.SIZE) | f.height();
            groups.computeIfAbsent(size, k -> new ArrayList<>()).add(i);
        }
        return groups;
    }
}
