/**
 * A shared location (a pin, its name and address, the coordinates and a link to open them on
 * OpenStreetMap: no map is embedded, the page itself asks nothing of other hosts) and shared
 * contacts (one card each: who, their numbers, and a button to open the chat with a number).
 */
import type { Message } from '../api/types';
import { Avatar } from '../components/Avatar';
import { PinIcon } from '../components/Icons';
import './cards.css';

type Location = NonNullable<Message['location']>;
type SharedContact = NonNullable<Message['contacts']>[number];

/** `https://www.openstreetmap.org/?mlat=43.2389&mlon=76.8897#map=16/43.2389/76.8897` */
export const mapLink = ({ latitude: lat, longitude: lon }: Location) => `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;

/** `43.2389, 76.8897` */
const coordinates = ({ latitude, longitude }: Location) => `${latitude.toFixed(5).replace(/\.?0+$/, '')}, ${longitude.toFixed(5).replace(/\.?0+$/, '')}`;

export function LocationCard({ location, who }: { location: Location; who: string }) {
  const title = location.name || location.address || 'Location';
  return (
    <div className="card-location" role="group" aria-label={`Location ${who}: ${title}`}>
      <span className="media-file-icon">
        <PinIcon />
      </span>
      <span className="card-text">
        <span className="media-file-name">{title}</span>
        {location.name && location.address && <span className="small">{location.address}</span>}
        <span className="small muted mono">{coordinates(location)}</span>
        <a className="card-link" href={mapLink(location)} target="_blank" rel="noopener noreferrer">
          Open in map
        </a>
      </span>
    </div>
  );
}

/** The digits WhatsApp knows a number by: `+7 701 555 00 11` → `77015550011`; null when it is no number. */
export const digitsOf = (phone: string): string | null => {
  const digits = phone.replace(/[^\d]/g, '');
  return digits.length >= 5 ? digits : null;
};

export function ContactCards({ contacts, onStartChat }: { contacts: SharedContact[]; onStartChat?: (digits: string) => void }) {
  return (
    <ul className="card-contacts" aria-label="Shared contacts">
      {contacts.map((c, i) => (
        <li key={i} className="card-contact" aria-label={`Contact ${c.name}`}>
          <div className="card-contact-head">
            <Avatar name={c.name || '?'} size={36} />
            <span className="media-file-name">{c.name || 'Unnamed contact'}</span>
          </div>
          {c.phones.length === 0 && <p className="small muted">No phone number</p>}
          {c.phones.map((phone) => {
            const digits = digitsOf(phone);
            return (
              <div key={phone} className="card-phone">
                {digits ? (
                  <a className="mono" href={`tel:+${digits}`}>
                    {phone}
                  </a>
                ) : (
                  <span className="mono">{phone}</span>
                )}
                {digits && onStartChat && (
                  <button type="button" className="btn btn-sm" aria-label={`Start chat with ${phone}`} onClick={() => onStartChat(digits)}>
                    Start chat
                  </button>
                )}
              </div>
            );
          })}
        </li>
      ))}
    </ul>
  );
}
