// SHA-256 with SHA-NI: two 256 MiB streams hashed one after the other (one lane) and interleaved (two lanes),
// checking both give the same digests. Run by Tools/bench_sha_lanes.sh; a measurement, not used by decant.
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static const uint32_t K[64] = {
0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2};

__attribute__((target("sha,sse4.1")))
static void one(uint32_t st[8], const uint8_t *p, size_t blocks) {
  __m128i TMP = _mm_loadu_si128((const __m128i*)&st[0]);
  __m128i STATE1 = _mm_loadu_si128((const __m128i*)&st[4]);
  const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  TMP = _mm_shuffle_epi32(TMP, 0xB1); STATE1 = _mm_shuffle_epi32(STATE1, 0x1B);
  __m128i STATE0 = _mm_alignr_epi8(TMP, STATE1, 8); STATE1 = _mm_blend_epi16(STATE1, TMP, 0xF0);
  while (blocks--) {
    __m128i S0 = STATE0, S1 = STATE1, M[4], MSG;
    for (int i=0;i<4;i++) M[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i*)(p+16*i)), MASK);
    for (int r=0;r<16;r++) {
      __m128i W = M[r&3];
      if (r>=4) { /* schedule computed below */ }
      MSG = _mm_add_epi32(W, _mm_loadu_si128((const __m128i*)&K[4*r]));
      STATE1 = _mm_sha256rnds2_epu32(STATE1, STATE0, MSG);
      MSG = _mm_shuffle_epi32(MSG, 0x0E);
      STATE0 = _mm_sha256rnds2_epu32(STATE0, STATE1, MSG);
      if (r < 12) {
        __m128i t = _mm_sha256msg1_epu32(M[r&3], M[(r+1)&3]);
        t = _mm_add_epi32(t, _mm_alignr_epi8(M[(r+3)&3], M[(r+2)&3], 4));
        M[r&3] = _mm_sha256msg2_epu32(t, M[(r+3)&3]);
      }
    }
    STATE0 = _mm_add_epi32(STATE0, S0); STATE1 = _mm_add_epi32(STATE1, S1);
    p += 64;
  }
  TMP = _mm_shuffle_epi32(STATE0, 0x1B); STATE1 = _mm_shuffle_epi32(STATE1, 0xB1);
  STATE0 = _mm_blend_epi16(TMP, STATE1, 0xF0); STATE1 = _mm_alignr_epi8(STATE1, TMP, 8);
  _mm_storeu_si128((__m128i*)&st[0], STATE0); _mm_storeu_si128((__m128i*)&st[4], STATE1);
}
__attribute__((target("sha,sse4.1")))
static void two(uint32_t sa[8], const uint8_t *pa, uint32_t sb[8], const uint8_t *pb, size_t blocks) {
  const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i A0,A1,B0,B1,T;
  T=_mm_loadu_si128((const __m128i*)&sa[0]); A1=_mm_loadu_si128((const __m128i*)&sa[4]); T=_mm_shuffle_epi32(T,0xB1); A1=_mm_shuffle_epi32(A1,0x1B); A0=_mm_alignr_epi8(T,A1,8); A1=_mm_blend_epi16(A1,T,0xF0);
  T=_mm_loadu_si128((const __m128i*)&sb[0]); B1=_mm_loadu_si128((const __m128i*)&sb[4]); T=_mm_shuffle_epi32(T,0xB1); B1=_mm_shuffle_epi32(B1,0x1B); B0=_mm_alignr_epi8(T,B1,8); B1=_mm_blend_epi16(B1,T,0xF0);
  while (blocks--) {
    __m128i SA0=A0,SA1=A1,SB0=B0,SB1=B1, MA[4], MB[4], m, n;
    for (int i=0;i<4;i++){ MA[i]=_mm_shuffle_epi8(_mm_loadu_si128((const __m128i*)(pa+16*i)),MASK); MB[i]=_mm_shuffle_epi8(_mm_loadu_si128((const __m128i*)(pb+16*i)),MASK);}
    for (int r=0;r<16;r++){
      __m128i k=_mm_loadu_si128((const __m128i*)&K[4*r]);
      m=_mm_add_epi32(MA[r&3],k); n=_mm_add_epi32(MB[r&3],k);
      A1=_mm_sha256rnds2_epu32(A1,A0,m); B1=_mm_sha256rnds2_epu32(B1,B0,n);
      m=_mm_shuffle_epi32(m,0x0E); n=_mm_shuffle_epi32(n,0x0E);
      A0=_mm_sha256rnds2_epu32(A0,A1,m); B0=_mm_sha256rnds2_epu32(B0,B1,n);
      if (r<12){
        __m128i t=_mm_sha256msg1_epu32(MA[r&3],MA[(r+1)&3]); t=_mm_add_epi32(t,_mm_alignr_epi8(MA[(r+3)&3],MA[(r+2)&3],4)); MA[r&3]=_mm_sha256msg2_epu32(t,MA[(r+3)&3]);
        __m128i u=_mm_sha256msg1_epu32(MB[r&3],MB[(r+1)&3]); u=_mm_add_epi32(u,_mm_alignr_epi8(MB[(r+3)&3],MB[(r+2)&3],4)); MB[r&3]=_mm_sha256msg2_epu32(u,MB[(r+3)&3]);
      }
    }
    A0=_mm_add_epi32(A0,SA0); A1=_mm_add_epi32(A1,SA1); B0=_mm_add_epi32(B0,SB0); B1=_mm_add_epi32(B1,SB1);
    pa+=64; pb+=64;
  }
  T=_mm_shuffle_epi32(A0,0x1B); A1=_mm_shuffle_epi32(A1,0xB1); A0=_mm_blend_epi16(T,A1,0xF0); A1=_mm_alignr_epi8(A1,T,8);
  _mm_storeu_si128((__m128i*)&sa[0],A0); _mm_storeu_si128((__m128i*)&sa[4],A1);
  T=_mm_shuffle_epi32(B0,0x1B); B1=_mm_shuffle_epi32(B1,0xB1); B0=_mm_blend_epi16(T,B1,0xF0); B1=_mm_alignr_epi8(B1,T,8);
  _mm_storeu_si128((__m128i*)&sb[0],B0); _mm_storeu_si128((__m128i*)&sb[4],B1);
}
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(){
  size_t n=256<<20; uint8_t *a=malloc(n),*b=malloc(n); for(size_t i=0;i<n;i++){a[i]=i*7;b[i]=i*13;}
  uint32_t init[8]={0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19};
  uint32_t s1[8],s2[8],t1[8],t2[8];
  memcpy(s1,init,32);memcpy(s2,init,32);memcpy(t1,init,32);memcpy(t2,init,32);
  double t=now(); one(s1,a,n/64); one(s2,b,n/64); double d1=now()-t;
  t=now(); two(t1,a,t2,b,n/64); double d2=now()-t;
  printf("1-lane x2: %.3f s (%.2f GB/s per stream)  2-lane: %.3f s  same=%d\n", d1, n/ (d1/2)/1e9, d2, !memcmp(s1,t1,32)&&!memcmp(s2,t2,32));
}
