namespace Timely.Communication.InProcess;

/// <summary>What an in-process allocator asks of a channel's receiving side that pushes put in its list of channels to look at.</summary>
internal interface ITouchedInbox : IChannelInbox
{
    /// <summary>The channel's id.</summary>
    int Id { get; }

    /// <summary>Whether the channel is in its allocator's list of channels to look at.</summary>
    bool Touched { get; set; }

    /// <summary>Whether a receive may report the channel (it is allocated on the receiving worker).</summary>
    bool Reportable { get; }
}
