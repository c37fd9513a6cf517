namespace Timely.Communication.Binary;

/// <summary>
/// A connection that the worker reads itself while it is awake (TCP, a process of one worker
/// with one peer): its frames reach the worker without the receive thread in between. All calls
/// are the worker's.
/// </summary>
internal interface IDirectReceive
{
    /// <summary>
    /// An idle look: whether a frame (or the stream's end, or a failure) waits to be taken, after
    /// one non-blocking read of the socket when the worker holds it. Never asks for the
    /// connection, so the park's last look does not take it back from the thread.
    /// </summary>
    bool Poll();

    /// <summary>
    /// In a receive, before the rings are drained: asks for the connection when the thread holds
    /// it; true when the worker holds it. Only then may the receive take frames from it, after
    /// draining its rings: the thread writes the ring only while it holds the connection, so a
    /// drain that follows this look sees every frame the thread wrote before it gave the
    /// connection back, and none of them comes after a frame the worker reads itself.
    /// </summary>
    bool Request();

    /// <summary>
    /// In a receive whose <see cref="Request"/> said the worker holds the connection, after the
    /// rings are drained: the next frame for this worker (timely's header and payload, valid
    /// until the next call), reading the socket at most once per call sequence
    /// (<paramref name="received"/>, false at its start). False when nothing more is buffered, or
    /// the stream ended or failed (the group then says so).
    /// </summary>
    bool TryTake(ref bool received, out ReadOnlySpan<byte> frame);

    /// <summary>Whether the worker holds the connection now (tests).</summary>
    bool Holding { get; }

    /// <summary>Before the worker parks: the receive thread reads (and rings the worker) until it is awake again.</summary>
    void BeforePark();

    /// <summary>The worker returns: the receive thread reads until the peer's end of stream.</summary>
    void Surrender();
}
