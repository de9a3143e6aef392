"""The text autoencoder of Shen et al. (2020): one architecture, every variant of the paper.

Layout and parameter names follow the reference implementation so that its
checkpoints load unchanged:

    embed  [V, dim_emb]                          shared by encoder and decoder
    E      BiLSTM(dim_emb -> dim_h)               encoder over dropout(embed(<go> w1..wn))
    h2mu, h2logvar  Linear(2*dim_h -> dim_z)     q(z|x) = N(mu, diag(exp(logvar)))
    G      LSTM(dim_emb -> dim_h)                 decoder; input at each step dropout(embed(w)) + z2emb(z)
    z2emb  Linear(dim_z -> dim_emb)
    proj   Linear(dim_h -> V)                     next-token logits
    D      Linear(dim_z, dim_d) ReLU Linear(dim_d, 1)   discriminator on z (adversarial variants)
    Gen    MLP(dim_z -> dim_d -> dim_d -> dim_z)  ARAE only: the learned prior, noise -> code

A variant is only a ModelConfig: the loss is
    rec + lambda_kl * KL + lambda_adv * adv + lambda_p * |logvar|_1
with input noise for the DAAE. ARAE (learned_prior) puts codes on the unit sphere and
replaces "D tells q(z) from N(0, I)" by a WGAN-GP critic between encoded codes and the
generator's. The trainer never asks which variant it holds: the model lists its
objectives, and `prior` draws codes from whatever its prior is.
"""

from __future__ import annotations

import math
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence

from textae.config import ModelConfig
from textae.errors import CheckpointError
from textae.noise import add_noise
from textae.vocab_loss import vocab_nll

# dim_z 0 (the LM preset) makes empty layers, whose initialisation torch warns about. A filter added once
# here, not warnings.catch_warnings around them: that swaps process-wide state, and on a server another
# thread's warning raised meanwhile would be lost.
warnings.filterwarnings("ignore", message="Initializing zero-element tensors is a no-op", category=UserWarning)


def frozen(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """module(x) with its weights detached: gradients reach x but never the module's parameters.

    This is how the encoder (and ARAE's generator) learn through D while D learns
    only from its own loss, with a single backward pass for all of them.
    """
    weights = {n: p.detach() for n, p in module.named_parameters()}
    return torch.func.functional_call(module, weights, (x,))


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """F.dropout; on the CPU with its mask drawn by torch.rand, which is faster there than F.dropout's
    bernoulli_ (docs/benchmarks.md, "Figures the code's comments once held")."""
    if not training or p == 0 or x.device.type != "cpu":
        return F.dropout(x, p, training)
    mask = (torch.rand(x.shape) >= p).to(x.dtype).mul_(1 / (1 - p))  # kept entries scaled by 1 / (1 - p)
    return x * mask


class Dropout(nn.Dropout):
    """nn.Dropout through `dropout`: the same mask distribution and scaling, and no parameters."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training)


# what each top-level module does, in a reader's words (the Checkpoint inspector lists them beside their sizes)
MODULES = {
    "embed": "word embeddings, shared by the encoder and the decoder",
    "E": "encoder: a bidirectional LSTM over the input",
    "G": "decoder: an LSTM that writes the sentence from z",
    "h2mu": "encoder state to the mean of z",
    "h2logvar": "encoder state to the log-variance of z: training samples z around its mean, in every variant",
    "z2emb": "z to the decoder's input at every step",
    "proj": "decoder state to scores over the vocabulary",
    "D": "discriminator: tells codes from prior samples (adversarial presets)",
    "Gen": "generator of the learned prior (ARAE)",
}


class TextAutoencoder(nn.Module):
    """LSTM encoder/decoder with a Gaussian posterior and an optional discriminator on z."""

    def __init__(self, cfg: ModelConfig, initrange: float = 0.1):
        super().__init__()
        if cfg.vocab_size <= 5:
            raise ValueError("ModelConfig.vocab_size must be set from the vocabulary (> 5 ids)")
        self.cfg = cfg
        rnn_dropout = cfg.dropout if cfg.nlayers > 1 else 0.0
        self.embed = nn.Embedding(cfg.vocab_size, cfg.dim_emb)
        self.drop = Dropout(cfg.dropout)
        self.E = nn.LSTM(cfg.dim_emb, cfg.dim_h, cfg.nlayers, dropout=rnn_dropout, bidirectional=True)
        self.G = nn.LSTM(cfg.dim_emb, cfg.dim_h, cfg.nlayers, dropout=rnn_dropout)
        self.h2mu = nn.Linear(cfg.dim_h * 2, cfg.dim_z)  # dim_z 0 (the LM preset): empty layers (see the filter above)
        self.h2logvar = nn.Linear(cfg.dim_h * 2, cfg.dim_z)
        self.z2emb = nn.Linear(cfg.dim_z, cfg.dim_emb)
        self.proj = nn.Linear(cfg.dim_h, cfg.vocab_size)
        if cfg.adversarial:
            # The reference ends D with a Sigmoid; we keep logits and use the stable
            # BCE-with-logits, which is the same loss and has the same parameters.
            self.D = nn.Sequential(nn.Linear(cfg.dim_z, cfg.dim_d), nn.ReLU(), nn.Linear(cfg.dim_d, 1))
        if cfg.learned_prior:
            self.Gen = nn.Sequential(
                nn.Linear(cfg.dim_z, cfg.dim_d),
                nn.ReLU(),
                nn.Linear(cfg.dim_d, cfg.dim_d),
                nn.ReLU(),
                nn.Linear(cfg.dim_d, cfg.dim_z),
            )
        # Initialisation of the reference (the LSTMs keep PyTorch's default).
        self.embed.weight.data.uniform_(-initrange, initrange)
        self.proj.weight.data.uniform_(-initrange, initrange)
        self.proj.bias.data.zero_()

    # ----------------------------------------------------------------- encoder
    def encode(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x [T, B] (`<go>` w1..wn, padded), lengths [B] -> mu, logvar [B, dim_z].

        A code never depends on the padding a batch adds (see _bilstm_final).
        """
        if self.cfg.dim_z == 0:  # the language-model preset: no code, so no encoder pass
            empty = self.h2mu.weight.new_zeros(x.size(1), 0)
            return empty, empty
        emb = self.drop(self.embed(x))  # [T, B, dim_emb]
        # cuDNN runs packed sequences natively; on the CPU packing would keep the LSTM off oneDNN
        final = self._bilstm_packed if emb.device.type == "cuda" else self._bilstm_final
        h = final(emb, lengths)  # [B, 2 * dim_h]
        if self.cfg.learned_prior:  # ARAE: a unit-norm code, blurred by fixed Gaussian noise in training
            mu = F.normalize(self.h2mu(h), dim=1)
            return mu, torch.full_like(mu, 2 * math.log(max(self.cfg.code_noise, 1e-4)))
        return self.h2mu(h), self.h2logvar(h)

    def _bilstm_packed(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Final states of E over the packed sequences of x [T, B, dim_emb] -> [B, 2 * dim_h] (the GPU's path).

        Sorted by length on the host, with the permutations moved without blocking (what
        pack_padded_sequence(enforce_sorted=False) does, less its blocking copy): with
        host lengths, as Batches gives, the training step never waits for the GPU.
        """
        lengths = lengths.cpu()  # a no-op for host lengths
        order = torch.argsort(lengths, descending=True, stable=True)  # [B]
        x = x.index_select(1, order.to(x.device, non_blocking=True))
        _, (h, _) = self.E(pack_padded_sequence(x, lengths[order]))
        h = torch.cat([h[-2], h[-1]], 1)  # [B, 2 * dim_h]: last layer's fwd/bwd final states, in sorted order
        return h.index_select(0, torch.argsort(order).to(h.device, non_blocking=True))  # back to batch order

    def _bilstm_final(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Final states of the bidirectional encoder E over x [T, B, dim_emb] -> [B, 2 * dim_h].

        The same as _bilstm_packed, without packing (the CPU's path): packed input keeps
        the CPU's LSTM off oneDNN (a slower per-step loop, and no bf16 kernel).
        The forward direction runs on the padded batch, whose padding comes after
        every word, and its state is read at the last word; the backward direction
        runs forward over each sentence reversed within its own length, so it too
        starts at the last word and never sees padding. The reversal index is built
        from host lengths and moved without blocking, so a GPU step never waits.
        """
        E, T, B = self.E, x.size(0), x.size(1)
        lengths = lengths.cpu()  # a no-op for host lengths
        pos = torch.arange(T)[:, None]  # [T, 1]
        rev = torch.where(pos < lengths, lengths - 1 - pos, pos).to(x.device, non_blocking=True)  # [T, B]
        last = (lengths - 1).to(x.device, non_blocking=True)  # [B]
        cols = torch.arange(B, device=x.device)
        zeros = x.new_zeros(1, B, E.hidden_size)
        flat = E._flat_weights  # per layer: w_ih, w_hh, b_ih, b_hh forward, then the same reversed
        for layer in range(E.num_layers):
            if layer:  # inter-layer dropout, as nn.LSTM applies it
                x = dropout(x, E.dropout, self.training)
            flip = rev[:, :, None].expand(-1, -1, x.size(2))
            outs = []
            for d, inp in enumerate((x, x.gather(0, flip))):
                w = flat[8 * layer + 4 * d : 8 * layer + 4 * d + 4]
                out = torch.lstm(inp, (zeros, zeros), w, True, 1, 0.0, self.training, False, False)[0]
                outs.append(out)  # [T, B, dim_h]; the backward direction in reversed order
            fwd, bwd = outs[0], outs[1]
            if layer + 1 == E.num_layers:
                return torch.cat([fwd[last, cols], bwd[last, cols]], 1)  # [B, 2 * dim_h]
            x = torch.cat([fwd, bwd.gather(0, rev[:, :, None].expand(-1, -1, bwd.size(2)))], 2)  # [T, B, 2 * dim_h]
        raise AssertionError("unreachable: nn.LSTM has at least one layer")

    def prior(self, eps: torch.Tensor) -> torch.Tensor:
        """Codes [n, dim_z] of the model's prior from N(0, I) noise eps [n, dim_z]: eps itself, or Gen(eps) (ARAE)."""
        return self.Gen(eps) if self.cfg.learned_prior else eps

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """z = mu + sigma * eps, eps ~ N(0, I)."""
        return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)

    # ----------------------------------------------------------------- decoder
    def features(self, z: torch.Tensor, x: torch.Tensor, hidden=None):
        """Teacher-forced decoder states: z [B, dim_z], x [T, B] -> dropout(G's outputs) [T, B, dim_h], hidden."""
        inp = self.drop(self.embed(x)) + self.z2emb(z)  # [T, B, dim_emb]; z2emb(z) broadcast over T
        out, hidden = self.G(inp, hidden)  # [T, B, dim_h]
        return self.drop(out), hidden

    def decode(self, z: torch.Tensor, x: torch.Tensor, hidden=None):
        """Teacher-forced decoder: z [B, dim_z], x [T, B] -> logits [T, B, V], hidden."""
        out, hidden = self.features(z, x, hidden)
        return self.proj(out), hidden

    # -------------------------------------------------------------------- loss
    def forward(
        self, go_x: torch.Tensor, x_eos: torch.Tensor, lengths: torch.Tensor, corrupt: bool = False
    ) -> dict[str, torch.Tensor]:
        """The loss terms of one batch (see `loss`): forward is what DistributedDataParallel wraps."""
        return self.loss(go_x, x_eos, lengths, corrupt)

    def loss_rec(self, out: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Token cross-entropy of decoder states out [T, B, dim_h] against targets [T, B], summed per
        sentence and averaged over the batch (nats per sentence); chunked, see vocab_loss.py."""
        return vocab_nll(out, self.proj, targets) / targets.size(1)

    def loss(
        self, go_x: torch.Tensor, x_eos: torch.Tensor, lengths: torch.Tensor, corrupt: bool = False
    ) -> dict[str, torch.Tensor]:
        """All loss terms of one batch; `loss` is the autoencoder's objective, `loss_d` the critic's.

        go_x, x_eos [T, B], lengths [B]. With corrupt=True the encoder sees C(x) (cfg.noise), the
        decoder still reconstructs x (the DAAE objective, Eq. 4 of the paper).
        """
        cfg = self.cfg
        enc_x, enc_len = go_x, lengths
        if corrupt and cfg.noise.active:
            enc_x, enc_len = add_noise(go_x, lengths, cfg.noise, cfg.vocab_size)
        mu, logvar = self.encode(enc_x, enc_len)
        z = self.reparameterize(mu, logvar)  # the reference samples z for every variant
        states, _ = self.features(z, go_x)  # [T, B, dim_h]
        mu, logvar = mu.float(), logvar.float()
        out = {
            "rec": self.loss_rec(states, x_eos),
            # KL(N(mu, sigma^2) || N(0, I)), summed over dims, averaged over the batch
            "kl": -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(mu),
            "|lvar|": logvar.abs().sum(dim=1).mean(),  # LAAE's L1 penalty
        }
        loss = out["rec"] + cfg.lambda_kl * out["kl"] + cfg.lambda_p * out["|lvar|"]
        if cfg.adversarial and cfg.learned_prior:
            loss = loss + cfg.lambda_adv * self._wgan_gp(z.float(), out)
        elif cfg.adversarial:
            zf = z.float()
            zn = torch.randn_like(zf)  # samples of the prior p(z) = N(0, I)
            d_fake, d_real = self.D(zf.detach()), self.D(zn)
            out["loss_d"] = F.binary_cross_entropy_with_logits(
                d_fake, torch.zeros_like(d_fake)
            ) + F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
            d_z = frozen(self.D, zf)  # non-saturating generator loss: -log D(z)
            out["adv"] = F.binary_cross_entropy_with_logits(d_z, torch.ones_like(d_z))
            loss = loss + cfg.lambda_adv * out["adv"]
        out["loss"] = loss
        return out

    def _wgan_gp(self, c: torch.Tensor, out: dict[str, torch.Tensor]) -> torch.Tensor:
        """ARAE's adversarial terms for encoded codes c [B, dim_z]; fills out["loss_g"], out["loss_d"].

        critic:    max E D(c) - E D(g) - lambda_gp * E (|grad D(x_hat)| - 1)^2   (Gulrajani et al., 2017)
        generator: max E D(g),  g = Gen(eps)
        encoder:   min E D(c), pulling encoded codes towards the generated ones (returned as "adv")
        """
        g = self.prior(torch.randn_like(c)).float()
        out["loss_g"] = -frozen(self.D, g).mean()
        cd, gd = c.detach(), g.detach()
        gp = torch.zeros((), device=c.device)
        if torch.is_grad_enabled():  # the penalty shapes training; evaluation (no_grad) reports the rest
            alpha = torch.rand(len(c), 1, device=c.device)
            x_hat = (alpha * cd + (1 - alpha) * gd).requires_grad_(True)
            (grad,) = torch.autograd.grad(self.D(x_hat).sum(), x_hat, create_graph=True)
            gp = (grad.norm(2, dim=1) - 1).pow(2).mean()
        out["loss_d"] = self.D(gd).mean() - self.D(cd).mean() + self.cfg.lambda_gp * gp
        out["adv"] = frozen(self.D, c).mean()
        return out["adv"]

    def objectives(self) -> dict[str, list[nn.Parameter]]:
        """Which parameters each loss term trains: one optimiser per entry.

        The groups are disjoint and each term reaches only its own group (D enters
        the other terms frozen), so one backward pass of their sum gives every
        optimiser exactly its own term's gradient.
        """
        aux = ("D.", "Gen.")
        groups = {"loss": [p for n, p in self.named_parameters() if not n.startswith(aux)]}
        if self.cfg.learned_prior:
            groups["loss_g"] = list(self.Gen.parameters())
        if self.cfg.adversarial:
            groups["loss_d"] = list(self.D.parameters())
        return groups


def from_state(cfg: ModelConfig, state: dict[str, torch.Tensor], source: str) -> TextAutoencoder:
    """A model of `cfg` holding the weights `state` (float32), naming every missing, extra or mis-shaped tensor."""
    model = TextAutoencoder(cfg)
    want = model.state_dict()
    problems = [f"missing {k} {tuple(v.shape)}" for k, v in want.items() if k not in state]
    problems += [f"unexpected {k}" for k in state if k not in want]
    problems += [
        f"{k} has shape {tuple(state[k].shape)}, config needs {tuple(v.shape)}"
        for k, v in want.items()
        if k in state and state[k].shape != v.shape
    ]
    if problems:
        raise CheckpointError(
            f"{source} does not match its config: "
            + "; ".join(problems[:8])
            + (f" (+{len(problems) - 8} more)" if len(problems) > 8 else "")
        )
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model
