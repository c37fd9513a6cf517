namespace Timely.Transport.Shm.Ring;

/// <summary>
/// Told by a <see cref="RingWriter"/> each time a message stays in its overflow queue (the ring
/// had no room): where a process-wide limit on overflow memory is enforced. It may throw, which
/// fails the sender; the message is queued by then, so the writer stays consistent.
/// </summary>
public interface IOverflowWatch
{
    /// <summary>
    /// <paramref name="message"/> (its type word and bytes) went to the overflow queue;
    /// <paramref name="processBytes"/> is <see cref="OverflowAccount.Bytes"/> after it did.
    /// </summary>
    void Spilled(int type, ReadOnlySpan<byte> message, long processBytes);
}
