
namespace Timely.Communication;

/// <summary>
/// A message type that keeps the sending worker and the message's number on its channel in memory
/// (the dataflow's <c>Message</c>, for timely's <c>LogPuller</c>). A byte allocator's inbox stamps
/// each decoded message from its <see cref="Timely.Bytes.MessageHeader"/> (source, seqno), so a message that
/// crossed a byte transport logs the same sender and number as its send, without either travelling
/// in the payload.
/// </summary>
public interface ISenderStamped
{
    /// <summary>Sets the sending worker and the message's sequence number on its channel.</summary>
    void StampSender(int source, long seqno);
}
