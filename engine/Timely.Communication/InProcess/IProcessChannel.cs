namespace Timely.Communication.InProcess;

/// <summary>Untyped view of a <see cref="ProcessChannel{T}"/>, for the fabric's registry.</summary>
internal interface IProcessChannel
{
    Type PayloadType { get; }
}
