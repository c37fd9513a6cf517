namespace Timely.Communication.InProcess;

/// <summary>What an allocator asks of a channel's receiving side when it looks for events.</summary>
internal interface IChannelInbox
{
    /// <summary>Whether a message is waiting (called on the receiving worker's thread).</summary>
    bool HasData { get; }
}
