package io.flinktrickle.connector.trickle.protocol;

/**
 * A segment's new seq and POST after the server released its first one unread ({@link
 * TricklePublisher#moveToFreshSeq}). Made and used on the segment writer's thread.
 */
final class Reopened {
    final long seq;
    final TrickleHttp.Upload upload;

    Reopened(long seq, TrickleHttp.Upload upload) {
        this.seq = seq;
        this.upload = upload;
    }
}
