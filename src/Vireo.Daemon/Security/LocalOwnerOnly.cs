using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Vireo.Daemon.Api;

namespace Vireo.Daemon.Security;

/// <summary>
/// Until tokens and roles exist, the API serves only its owner: on the Unix socket, a peer whose uid is the daemon's
/// or root (from <c>SO_PEERCRED</c>, which the peer cannot forge); others get 403. TCP is only served when the
/// operator asked for it explicitly with <c>--insecure-listen</c>, and then without authentication (say so loudly).
/// </summary>
internal sealed class LocalOwnerOnly(RequestDelegate next, uint ownerUid)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is not null && PeerCredentials.Of(socket) is { } peer && peer.Uid != ownerUid && peer.Uid != 0)
        {
            IResult problem = ProblemFilter.Problem(StatusCodes.Status403Forbidden, "forbidden", $"uid {peer.Uid} may not use this daemon (it serves uid {ownerUid} and root)");
            await problem.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }
}
