using Timely.Bytes;

namespace Timely.Communication.Logging;

/// <summary>A message seen by a communication thread or allocator (timely's <c>MessageEvent</c>).</summary>
/// <param name="IsSend">True when sent, false when received.</param>
/// <param name="Header">The message's header (channel, source, targets, length, sequence number).</param>
public readonly record struct MessageEvent(bool IsSend, MessageHeader Header);
